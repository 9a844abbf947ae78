"""Name parts for the demo's people: Kinh, Khmer and Hoa, by gender.

Weights follow how common a family name is in the Mekong Delta (Nguyễn first by far; Huỳnh more
common than Hoàng in the South). Khmer given names are mostly two syllables written in
Vietnamese spelling, as on Trà Vinh school lists.
"""

# (family name, weight)
KINH_FAMILY = (
    ("Nguyễn", 30), ("Trần", 11), ("Lê", 9), ("Phạm", 5), ("Huỳnh", 6), ("Võ", 5), ("Phan", 4),
    ("Trương", 2), ("Đặng", 2), ("Bùi", 2), ("Đỗ", 2), ("Hồ", 2), ("Ngô", 2), ("Dương", 2),
    ("Lý", 1), ("Đoàn", 1), ("Châu", 1), ("Lâm", 1), ("Tạ", 1), ("Cao", 1), ("Mai", 1),
    ("Thái", 1), ("Đinh", 1), ("Lương", 1), ("Kiều", 1), ("La", 1), ("Tô", 1), ("Hà", 1),
)  # fmt: skip
KINH_MIDDLE_MALE = (
    ("Văn", 30), ("Minh", 10), ("Hoàng", 6), ("Quốc", 8), ("Gia", 6), ("Thanh", 6), ("Hữu", 5),
    ("Công", 3), ("Tấn", 4), ("Trọng", 3), ("Nhật", 4), ("Anh", 3), ("Thành", 4), ("Phước", 3),
    ("Tuấn", 2), ("Đức", 3), ("Bảo", 4), ("Huy", 2),
)  # fmt: skip
KINH_MIDDLE_FEMALE = (
    ("Thị", 30), ("Ngọc", 12), ("Thanh", 5), ("Kim", 6), ("Thu", 4), ("Mỹ", 5), ("Bảo", 4),
    ("Khánh", 4), ("Phương", 3), ("Như", 4), ("Yến", 2), ("Huỳnh", 2), ("Gia", 3), ("Minh", 3),
    ("Tường", 2), ("Cẩm", 3), ("Diễm", 2),
)  # fmt: skip
KINH_GIVEN_MALE = (
    "An", "Bảo", "Bình", "Cường", "Dũng", "Đạt", "Đức", "Duy", "Hải", "Hào", "Hiếu", "Hoàng",
    "Huy", "Hùng", "Khang", "Khánh", "Khoa", "Kiệt", "Lâm", "Long", "Lộc", "Luân", "Minh",
    "Nam", "Nghĩa", "Nhân", "Phát", "Phong", "Phúc", "Quân", "Quang", "Sang", "Tài", "Tâm",
    "Thắng", "Thành", "Thiện", "Thịnh", "Toàn", "Trí", "Trung", "Tuấn", "Tùng", "Việt",
    "Vinh", "Vũ", "Hưng", "Khôi", "Nguyên", "Tín", "Hậu", "Lợi", "Thuận", "Phú", "Đăng",
)  # fmt: skip
KINH_GIVEN_FEMALE = (
    "Anh", "Ánh", "Bích", "Châu", "Chi", "Diễm", "Dung", "Duyên", "Giang", "Hà", "Hân", "Hạnh",
    "Hằng", "Hiền", "Hoa", "Hương", "Huyền", "Lan", "Linh", "Loan", "Ly", "Mai", "My", "Ngân",
    "Ngọc", "Nhi", "Nhung", "Như", "Oanh", "Phương", "Quỳnh", "Tâm", "Thảo", "Thư", "Thủy",
    "Tiên", "Trâm", "Trang", "Trinh", "Tuyết", "Uyên", "Vân", "Vy", "Xuân", "Yến", "Thơ",
    "Kiều", "Hồng", "Ngân", "Khuê", "Trúc", "Nguyệt", "Hậu", "Diệu",
)  # fmt: skip

# Khmer family names of the region (DOMAIN.md §11), weighted.
KHMER_FAMILY = (
    ("Thạch", 30), ("Sơn", 20), ("Kim", 14), ("Danh", 8), ("Lâm", 6), ("Lý", 5), ("Châu", 5),
    ("Huỳnh", 4), ("Kiên", 3), ("Trà", 2), ("Triệu", 2), ("Dương", 1),
)  # fmt: skip
KHMER_GIVEN_MALE = (
    "Sô Phal", "Chanh Đa", "Sóc Khum", "Đa Ra", "Sa Rin", "Sô Khom", "Sa Ren", "Phô Ni",
    "Rắc Sa", "Sa Vết", "Ma Ra", "Sóc Kha", "Chăn Tha", "Sa Phon", "Na Rinh", "Vi Sal",
    "Kha Na", "Sóc Phon", "Sa Ron", "Sô Thươl", "Pho Ly", "Sà Rưm", "Xa Rết", "Sóc Thy",
    "Chanh Thu", "Sa Mết", "Ây Sa", "Pha Rin", "Sa Rát", "Ra Bon", "Pi Sết", "Sóc Chia",
    "Chăn Ny", "Kim Sang", "Sa Muôl",
)  # fmt: skip
KHMER_GIVEN_FEMALE = (
    "Sa Rum", "Sô Phia", "Mo Ni", "Sa Vy", "Chanh Thy", "Sà Mây", "Sô Kha", "Đa Ni",
    "Sa Rênh", "Ra Ny", "Sa Rắt", "Chanh Ni", "Mây Ly", "Sô Phe", "Thi Đa", "Sa Ly",
    "Pha Ly", "Sô Ry", "Kim Thy", "Srây Na", "Sóc Na", "Chanh Ty", "Sa Phol", "Ni Na",
    "Sô Vanh", "Ry Da", "Mách Ly", "Sa Kha", "Nang Sa", "Da Ra",
)  # fmt: skip
# Khmer girls' names often carry Thị; Kinh-style given names are also common among Khmer
# families today, so a share of Khmer learners get one.
KHMER_KINH_STYLE_SHARE = 0.25

# Hoa (Chinese-Vietnamese) families.
HOA_FAMILY = (
    ("Lâm", 12), ("Quách", 8), ("Trương", 10), ("Lưu", 8), ("Mã", 6), ("Tăng", 6), ("Diệp", 5),
    ("Lý", 8), ("Hứa", 6), ("Thái", 4), ("Huỳnh", 6), ("Trần", 6), ("Lư", 3), ("Ông", 3),
    ("Tạ", 3), ("Giang", 2), ("Khưu", 3),
)  # fmt: skip
HOA_GIVEN_MALE = (
    "Vĩnh", "Kiệt", "Hào", "Khải", "Phát", "Quí", "Tú", "Thuận", "Hưng", "Đạt", "Vinh", "Tài",
    "Khang", "Lộc", "Hiền", "Chấn", "Cường", "Minh", "Thông", "Huy",
)  # fmt: skip
HOA_GIVEN_FEMALE = (
    "Mỹ Linh", "Ngọc Hân", "Tuyết Mai", "Huệ", "Lệ", "Phụng", "Mẫn", "Bội", "Nghi", "Quyên",
    "Tịnh", "Thục", "Ngọc Trân", "Tú Anh", "Mỹ Hoa", "Gia Hân", "Thanh Thanh", "Uyển",
)  # fmt: skip
HOA_MIDDLE_MALE = ("Gia", "Vĩnh", "Quốc", "Kiến", "Minh", "Thế", "Hữu", "Tấn")
HOA_MIDDLE_FEMALE = ("Thị", "Mỹ", "Ngọc", "Tuyết", "Bội", "Gia", "Huệ")

# Grandparents standing in as guardians.
GUARDIAN_ELDER_MIDDLE_MALE = ("Văn",)
GUARDIAN_ELDER_MIDDLE_FEMALE = ("Thị",)
