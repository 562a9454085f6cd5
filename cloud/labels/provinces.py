"""Vietnam's 34 provinces and cities (the arrangement in force from 1 July 2025), as data.

A consumer who agrees to share where they check a code picks one of these; nothing finer is
stored. The coordinates are approximate administrative centres, good for telling provinces
hundreds of kilometres apart, not for anything finer.
"""

from dataclasses import dataclass

from cloud.trace.integrity import distance_km


@dataclass(frozen=True)
class Province:
    """A province: a stable code, its name, and its approximate centre."""

    code: str
    name: str
    latitude: float
    longitude: float


PROVINCES: dict[str, Province] = {
    p.code: p
    for p in (
        Province("ha-noi", "Hà Nội", 21.03, 105.85),
        Province("hue", "Huế", 16.46, 107.59),
        Province("hai-phong", "Hải Phòng", 20.86, 106.68),
        Province("da-nang", "Đà Nẵng", 16.05, 108.20),
        Province("ho-chi-minh", "TP. Hồ Chí Minh", 10.78, 106.70),
        Province("can-tho", "Cần Thơ", 10.03, 105.78),
        Province("lai-chau", "Lai Châu", 22.40, 103.46),
        Province("dien-bien", "Điện Biên", 21.39, 103.02),
        Province("son-la", "Sơn La", 21.33, 103.91),
        Province("lang-son", "Lạng Sơn", 21.85, 106.76),
        Province("quang-ninh", "Quảng Ninh", 20.95, 107.08),
        Province("thanh-hoa", "Thanh Hóa", 19.81, 105.78),
        Province("nghe-an", "Nghệ An", 18.68, 105.68),
        Province("ha-tinh", "Hà Tĩnh", 18.34, 105.91),
        Province("cao-bang", "Cao Bằng", 22.67, 106.26),
        Province("tuyen-quang", "Tuyên Quang", 21.82, 105.21),
        Province("lao-cai", "Lào Cai", 21.72, 104.91),
        Province("thai-nguyen", "Thái Nguyên", 21.59, 105.85),
        Province("phu-tho", "Phú Thọ", 21.32, 105.40),
        Province("bac-ninh", "Bắc Ninh", 21.27, 106.19),
        Province("hung-yen", "Hưng Yên", 20.65, 106.05),
        Province("ninh-binh", "Ninh Bình", 20.25, 105.97),
        Province("quang-tri", "Quảng Trị", 17.47, 106.62),
        Province("quang-ngai", "Quảng Ngãi", 15.12, 108.80),
        Province("gia-lai", "Gia Lai", 13.78, 109.22),
        Province("khanh-hoa", "Khánh Hòa", 12.24, 109.19),
        Province("lam-dong", "Lâm Đồng", 11.94, 108.44),
        Province("dak-lak", "Đắk Lắk", 12.67, 108.04),
        Province("dong-nai", "Đồng Nai", 10.95, 106.82),
        Province("tay-ninh", "Tây Ninh", 10.54, 106.41),
        Province("vinh-long", "Vĩnh Long", 10.25, 105.97),
        Province("dong-thap", "Đồng Tháp", 10.36, 106.36),
        Province("ca-mau", "Cà Mau", 9.18, 105.15),
        Province("an-giang", "An Giang", 10.01, 105.08),
    )
}


def province_distance_km(a: Province, b: Province) -> float:
    """Great-circle distance between two provinces' centres."""
    return distance_km(a.latitude, a.longitude, b.latitude, b.longitude)
