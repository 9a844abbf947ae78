"""Rooms and equipment a school of each level typically has (Circular 13/2020 and 14/2020 lists,
simplified). Quantities are ranges; the generator draws within them.
"""

# Special rooms by level: (code prefix, name, room kind, how many (low, high)).
SPECIAL_ROOMS = {
    "preschool": (
        ("DN", "Phòng giáo dục thể chất - nghệ thuật", "multipurpose", (0, 1)),
        ("TV", "Góc thư viện", "library", (1, 1)),
    ),
    "primary": (
        ("TH", "Phòng tin học", "computer", (1, 1)),
        ("NN", "Phòng học Ngoại ngữ", "classroom", (0, 1)),
        ("AN", "Phòng học Âm nhạc", "classroom", (0, 1)),
        ("MT", "Phòng học Mĩ thuật", "classroom", (0, 1)),
        ("TV", "Thư viện", "library", (1, 1)),
        ("DN", "Phòng đa năng", "multipurpose", (0, 1)),
    ),
    "lower_secondary": (
        ("KHTN", "Phòng học bộ môn Khoa học tự nhiên", "lab", (1, 2)),
        ("CN", "Phòng học bộ môn Công nghệ", "lab", (1, 1)),
        ("TH", "Phòng tin học", "computer", (1, 2)),
        ("NN", "Phòng học bộ môn Ngoại ngữ", "classroom", (0, 1)),
        ("TV", "Thư viện", "library", (1, 1)),
        ("DN", "Phòng đa năng", "multipurpose", (0, 1)),
    ),
    "upper_secondary": (
        ("VL", "Phòng thí nghiệm Vật lí", "lab", (1, 1)),
        ("HH", "Phòng thí nghiệm Hóa học", "lab", (1, 1)),
        ("SH", "Phòng thí nghiệm Sinh học", "lab", (1, 1)),
        ("TH", "Phòng tin học", "computer", (2, 3)),
        ("NN", "Phòng học bộ môn Ngoại ngữ", "classroom", (0, 2)),
        ("TV", "Thư viện", "library", (1, 1)),
        ("DN", "Nhà đa năng", "multipurpose", (0, 1)),
    ),
}
SPECIAL_ROOMS["multi_level"] = SPECIAL_ROOMS["upper_secondary"]
SPECIAL_ROOMS["continuing"] = (
    ("TH", "Phòng tin học", "computer", (1, 1)),
    ("TN", "Phòng thí nghiệm tổng hợp", "lab", (1, 1)),
    ("TV", "Thư viện", "library", (1, 1)),
)
OFFICES = (
    ("VP01", "Phòng Hiệu trưởng"),
    ("VP02", "Phòng Phó Hiệu trưởng"),
    ("VP03", "Văn phòng"),
    ("VP04", "Phòng Hội đồng"),
    ("VP05", "Phòng Y tế học đường"),
)

# Equipment: (asset prefix, name, category). What goes where is decided in the generator.
COMPUTER_STUDENT = ("MT", "Máy tính để bàn học sinh", "computer")
COMPUTER_TEACHER = ("MT", "Máy tính giáo viên", "computer")
COMPUTER_OFFICE = ("MT", "Máy tính văn phòng", "computer")
LAPTOP = ("LT", "Máy tính xách tay", "computer")
PROJECTOR = ("MC", "Máy chiếu đa năng", "projector")
SMART_TV = ("TV", "Ti vi thông minh 65 inch", "other")
SMART_BOARD = ("BTT", "Bảng tương tác thông minh", "smart_board")
WIFI = ("WF", "Bộ phát Wi-Fi", "network")
SWITCH = ("SW", "Switch mạng 24 cổng", "network")
PRINTER = ("MI", "Máy in laser", "other")
PHOTOCOPIER = ("PT", "Máy photocopy", "other")
SPEAKER = ("LA", "Bộ loa kéo di động", "other")
DESKS = ("BG", "Bộ bàn ghế học sinh 2 chỗ ngồi", "furniture")
BOOKSHELF = ("TS", "Tủ sách thư viện", "furniture")
LAB_KITS = {
    "KHTN": ("Bộ thiết bị thực hành Khoa học tự nhiên", "lab"),
    "CN": ("Bộ thiết bị thực hành Công nghệ", "lab"),
    "VL": ("Bộ thiết bị thí nghiệm Vật lí", "lab"),
    "HH": ("Bộ thiết bị thí nghiệm Hóa học", "lab"),
    "SH": ("Bộ thiết bị thí nghiệm Sinh học", "lab"),
    "TN": ("Bộ thiết bị thí nghiệm tổng hợp", "lab"),
}
PRESCHOOL_KITS = (
    ("DC", "Bộ đồ chơi ngoài trời", "teaching_kit"),
    ("DC", "Bộ thiết bị dạy học tối thiểu mẫu giáo", "teaching_kit"),
)
