"""How many schools of each kind each district had, and the names that are not derived from a
commune's name. Province totals follow DOMAIN.md §6: 160 primary, 101 lower secondary, 35 upper
secondary, 120 preschool, 9 continuing-education centres, plus 2 multi-level schools = 427.
"""

# district code → (preschool, primary, lower secondary incl. ethnic boarding school)
SCHOOL_COUNTS: dict[str, tuple[int, int, int]] = {
    "842": (13, 15, 9),
    "844": (16, 21, 13),
    "845": (12, 17, 11),
    "846": (12, 17, 11),
    "847": (16, 21, 13),
    "848": (17, 23, 14),
    "849": (19, 26, 16),
    "850": (8, 10, 7),
    "851": (7, 10, 7),
}

# Districts with a lower-secondary ethnic boarding school (Phổ thông Dân tộc Nội trú THCS).
BOARDING_LOWER_SECONDARY = ("845", "846", "847", "848", "849", "850")

# Upper secondary schools: (name, commune code). The provincial boarding school and the
# specialised (chuyên) school are in the provincial capital.
UPPER_SECONDARY: dict[str, tuple[tuple[str, str], ...]] = {
    "842": (
        ("Trường THPT Chuyên Nguyễn Thiện Thành", "29248"),
        ("Trường THPT Phạm Thái Bường", "29236"),
        ("Trường THPT Thành phố Trà Vinh", "29254"),
        ("Trường THPT Lý Thường Kiệt", "29263"),
        ("Trường Phổ thông Dân tộc Nội trú THPT tỉnh Trà Vinh", "29257"),
    ),
    "844": (
        ("Trường THPT Càng Long", "29266"),
        ("Trường THPT Nguyễn Đáng", "29281"),
        ("Trường THPT Bùi Hữu Nghĩa", "29293"),
        ("Trường THPT Nhị Long", "29302"),
    ),
    "845": (
        ("Trường THPT Cầu Kè", "29308"),
        ("Trường THPT Tam Ngãi", "29332"),
        ("Trường THPT Phong Phú", "29326"),
    ),
    "846": (
        ("Trường THPT Tiểu Cần", "29341"),
        ("Trường THPT Cầu Quan", "29344"),
        ("Trường THPT Hiếu Tử", "29350"),
        ("Trường THPT Tập Ngãi", "29365"),
    ),
    "847": (
        ("Trường THPT Vũ Đình Liệu", "29374"),
        ("Trường THPT Hòa Minh", "29410"),
        ("Trường THPT Hòa Lợi", "29401"),
        ("Trường THPT Song Lộc", "29392"),
    ),
    "848": (
        ("Trường THPT Cầu Ngang A", "29416"),
        ("Trường THPT Cầu Ngang B", "29446"),
        ("Trường THPT Dương Háo Học", "29419"),
        ("Trường THPT Hiệp Mỹ", "29452"),
        ("Trường THPT Hồ Thị Nhâm", "29431"),
    ),
    "849": (
        ("Trường THPT Trà Cú", "29461"),
        ("Trường THPT Đại An", "29491"),
        ("Trường THPT Tập Sơn", "29467"),
        ("Trường THPT Hàm Giang", "29488"),
        ("Trường THPT Long Hiệp", "29506"),
    ),
    "850": (
        ("Trường THPT Long Khánh", "29521"),
        ("Trường THPT Ngũ Lạc", "29530"),
        ("Trường THPT Đôn Châu", "29500"),
    ),
    "851": (
        ("Trường THPT Duyên Hải", "29512"),
        ("Trường THPT Long Hữu", "29518"),
    ),
}

# Multi-level schools (grades 1–12), both in the provincial capital: (name, commune, private?).
MULTI_LEVEL = (
    ("Trường Thực hành Sư phạm", "29260", False),
    ("Trường Phổ thông Liên cấp Ngôi Sao", "29245", True),
)

# Urban lower secondary and extra urban primary schools are usually named after people.
LOWER_SECONDARY_PERSON_NAMES = (
    "Lý Tự Trọng", "Nguyễn Trãi", "Trần Hưng Đạo", "Võ Thị Sáu", "Nguyễn Du", "Lê Lợi",
    "Phan Bội Châu", "Chu Văn An", "Nguyễn Đình Chiểu", "Lê Quý Đôn", "Trần Quốc Toản",
    "Kim Đồng", "Nguyễn Thị Minh Khai", "Đoàn Thị Điểm",
)  # fmt: skip
PRIMARY_PERSON_NAMES = (
    "Nguyễn Huệ", "Lê Văn Tám", "Hùng Vương", "Đinh Tiên Hoàng", "Võ Trường Toản",
    "Ngô Quyền", "Trần Phú", "Nguyễn Văn Trỗi", "Hai Bà Trưng", "Lê Thị Hồng Gấm",
    "Phạm Ngũ Lão", "Bạch Đằng",
)  # fmt: skip
PRESCHOOL_NAMES = (
    "Hoa Sen", "Hoa Mai", "Sơn Ca", "Họa Mi", "Tuổi Thơ", "Hướng Dương", "Vàng Anh", "Sao Mai",
    "Hoa Hồng", "Măng Non", "Bông Sen", "Hoa Lan", "Hoa Cúc", "Thỏ Ngọc", "Búp Sen Hồng",
    "Bình Minh", "Ánh Dương", "Hoa Phượng", "Tuổi Ngọc", "Bé Ngoan", "Hoa Ban", "Sen Hồng",
    "Ánh Sao", "Hoa Thủy Tiên", "Mai Vàng", "Hoa Đào", "Tuổi Hồng", "Họa Mi Vàng",
)  # fmt: skip

# The small scale loads these schools only (3 districts; the demo accounts' schools included).
SMALL_SCALE_SCHOOLS = (
    "Trường Tiểu học Phường 1",
    "Trường THCS Lý Tự Trọng",
    "Trường THPT Phạm Thái Bường",
    "Trường Mầm non Hoa Sen",
    "Trường Tiểu học Thị trấn Trà Cú",
    "Trường Tiểu học Lưu Nghiệp Anh A",
    "Trường THCS Lưu Nghiệp Anh",
    "Trường Phổ thông Dân tộc Nội trú THCS huyện Trà Cú",
    "Trường THPT Trà Cú",
    "Trường Mẫu giáo Lưu Nghiệp Anh",
    "Trường Tiểu học Mỹ Cẩm A",
    "Trường THCS Mỹ Cẩm",
    "Trung tâm GDNN-GDTX huyện Càng Long",
)

# Subjects taught, by level (DOMAIN.md §3), with a weight ~ periods per week, so a school gets
# more mathematics and literature teachers than music teachers.
PRESCHOOL_SUBJECTS = (("Giáo dục mầm non", 1),)
PRIMARY_CLASS_TEACHER = {
    "lower": "Tiếng Việt; Toán; Đạo đức; Tự nhiên và Xã hội; Hoạt động trải nghiệm",
    "upper": "Tiếng Việt; Toán; Đạo đức; Khoa học; Lịch sử và Địa lí; Hoạt động trải nghiệm",
}
PRIMARY_SPECIALISTS = (
    ("Ngoại ngữ 1", 3), ("Tin học và Công nghệ", 2), ("Giáo dục thể chất", 2),
    ("Âm nhạc", 1), ("Mĩ thuật", 1),
)  # fmt: skip
LOWER_SECONDARY_SUBJECTS = (
    ("Ngữ văn", 4), ("Toán", 4), ("Ngoại ngữ 1", 3), ("Khoa học tự nhiên", 4),
    ("Lịch sử và Địa lí", 3), ("Giáo dục công dân", 1), ("Công nghệ", 1), ("Tin học", 1),
    ("Giáo dục thể chất", 2), ("Âm nhạc", 1), ("Mĩ thuật", 1),
    ("Nội dung giáo dục của địa phương", 0.3),
)  # fmt: skip
UPPER_SECONDARY_SUBJECTS = (
    ("Ngữ văn", 3), ("Toán", 3), ("Ngoại ngữ 1", 3), ("Lịch sử", 2), ("Địa lí", 2),
    ("Giáo dục kinh tế và pháp luật", 1), ("Vật lí", 2), ("Hoá học", 2), ("Sinh học", 2),
    ("Công nghệ", 1), ("Tin học", 1), ("Giáo dục thể chất", 2),
    ("Giáo dục quốc phòng và an ninh", 1), ("Âm nhạc", 0.3), ("Mĩ thuật", 0.3),
)  # fmt: skip
# A second subject some secondary teachers also teach.
SECOND_SUBJECT = {
    "Toán": "Tin học", "Khoa học tự nhiên": "Công nghệ", "Ngữ văn": "Nội dung giáo dục của địa phương",
    "Lịch sử và Địa lí": "Giáo dục công dân", "Vật lí": "Công nghệ", "Lịch sử": "Giáo dục kinh tế và pháp luật",
}  # fmt: skip
