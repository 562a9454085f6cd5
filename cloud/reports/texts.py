"""The report's words in Vietnamese and English, and how numbers, times and durations read."""

from datetime import datetime
from typing import Any, Final, Literal

from cloud.local_time import LOCAL_TIME
from contract import Quantity
from contract.items import QUANTITIES

Language = Literal["vi", "en"]
LANGUAGES: Final = ("vi", "en")

_WORDS: dict[str, tuple[str, str]] = {
    "title": ("Báo cáo chuỗi lạnh", "Cold-chain report"),
    "kind.batch": ("Lô hàng: toàn bộ vòng đời", "Batch: its whole life"),
    "kind.stay": ("Lô hàng: một lần lưu tại một vị trí", "Batch: one stay at one place"),
    "kind.shipment": ("Lô vận chuyển (đơn vị logistics)", "Shipment of a logistic unit"),
    "verdict": ("Kết luận", "Verdict"),
    "status.pass": ("ĐẠT: trong giới hạn cho phép", "PASS: within limits"),
    "status.fail": ("KHÔNG ĐẠT: vượt giới hạn", "FAIL: limits exceeded"),
    "status.incomplete": (
        "CHƯA ĐỦ DỮ LIỆU: không vượt giới hạn trong dữ liệu hiện có",
        "INCOMPLETE: no limit exceeded in the data available",
    ),
    "status.not_assessed": ("KHÔNG ĐÁNH GIÁ", "NOT ASSESSED"),
    "subject": ("Đối tượng", "Subject"),
    "product": ("Sản phẩm", "Product"),
    "producer": ("Nhà sản xuất", "Producer"),
    "lot": ("Số lô", "Lot"),
    "unit": ("Đơn vị logistics (SSCC)", "Logistic unit (SSCC)"),
    "contents": ("Hàng bên trong", "Contents"),
    "from_site": ("Nơi đi", "From"),
    "to_site": ("Nơi đến", "To"),
    "in_transit": ("đang vận chuyển", "in transit"),
    "period": ("Thời gian", "Period"),
    "seen_by": ("Phạm vi", "Scope"),
    "site_part": (
        "Phần của cơ sở {site}; các cơ sở khác: chỉ thời điểm giao nhận",
        "Site {site}'s part; other sites: their handovers only",
    ),
    "handovers": ("Giao nhận với cơ sở khác", "Handovers with other sites"),
    "ongoing": ("đang tiếp diễn", "still going on"),
    "generated": ("Lập lúc", "Made at"),
    "times_in": ("Giờ Việt Nam (UTC+07:00)", "Times in Vietnam time (UTC+07:00)"),
    "profile": ("Hồ sơ và cấu hình cảnh báo", "Profile and alarm configuration"),
    "profile_id": ("Hồ sơ", "Profile"),
    "no_profile": ("Không có hồ sơ chuỗi lạnh", "No cold-chain profile"),
    "allowed_range": ("Khoảng cho phép", "Allowed range"),
    "single_allowed": ("Một lần vượt tối đa", "Single excursion allowed"),
    "cumulative_allowed": ("Tổng thời gian vượt tối đa", "Cumulative time allowed"),
    "hysteresis": ("Độ trễ khi trở lại", "Hysteresis to clear"),
    "mkt_max": ("Giới hạn MKT", "MKT limit"),
    "silent_after": ("Cảnh báo mất tín hiệu sau", "No-data alarm after"),
    "not_set": ("không đặt", "not set"),
    "figures": ("Số liệu", "Figures"),
    "readings": ("Số đo", "Readings"),
    "min": ("Thấp nhất", "Min"),
    "max": ("Cao nhất", "Max"),
    "mean": ("Trung bình", "Mean"),
    "mkt": ("MKT", "MKT"),
    "first_reading": ("Số đo đầu", "First reading"),
    "last_reading": ("Số đo cuối", "Last reading"),
    "limits": ("Thời gian ngoài giới hạn", "Time out of range"),
    "limit": ("Giới hạn", "Limit"),
    "dir.high": ("Trên", "Above"),
    "dir.low": ("Dưới", "Below"),
    "excursions": ("Số lần vượt", "Excursions"),
    "longest": ("Lần dài nhất", "Longest single"),
    "total": ("Tổng cộng", "Cumulative"),
    "both": ("Cả hai chiều", "Both directions"),
    "exceeded": ("VƯỢT", "EXCEEDED"),
    "result": ("Kết quả", "Result"),
    "within": ("trong mức", "within"),
    "chart": ("Biểu đồ", "Chart"),
    "legend": (
        "Dải xanh lá: khoảng cho phép · dải xanh: thấp nhất-cao nhất · đường: trung bình · "
        "đỏ: vượt ngưỡng",
        "Green band: allowed range · blue band: min-max · line: mean · red: excursions",
    ),
    "stays": ("Các vị trí đã qua", "Places"),
    "site": ("Cơ sở", "Site"),
    "location": ("Vị trí", "Location"),
    "from": ("Từ", "From"),
    "to": ("Đến", "To"),
    "out_of_range": ("Ngoài khoảng", "Out of range"),
    "longest_gap": ("Khoảng trống dài nhất", "Longest gap"),
    "sensors": ("Cảm biến và vị trí", "Sensors and locations"),
    "device": ("Thiết bị", "Device"),
    "sensor": ("Cảm biến", "Sensor"),
    "calibration": ("Hiệu chuẩn", "Calibration"),
    "calibration_due": ("hạn", "due"),
    "unknown": ("chưa rõ", "unknown"),
    "suspect": ("nghi ngờ", "suspect"),
    "excursion_list": ("Các lần vượt ngưỡng", "Excursions"),
    "direction": ("Chiều", "Direction"),
    "start": ("Bắt đầu", "Start"),
    "end": ("Kết thúc", "End"),
    "duration": ("Thời lượng", "Duration"),
    "peak": ("Đỉnh", "Peak"),
    "alert": ("Cảnh báo", "Alert"),
    "none": ("Không có", "None"),
    "alerts": ("Cảnh báo và xử lý", "Alerts and who handled them"),
    "kind": ("Loại", "Kind"),
    "severity": ("Mức độ", "Severity"),
    "state": ("Tình trạng", "State"),
    "history": ("Diễn biến (ai, lúc nào, ghi chú)", "History (who, when, comment)"),
    "raised": ("phát sinh", "raised"),
    "state.active_unack": ("chưa xác nhận", "not acknowledged"),
    "state.active_ack": ("đã xác nhận", "acknowledged"),
    "state.cleared": ("đã đóng", "cleared"),
    "chain": ("Chuỗi băm của các sự kiện", "Hash chain of the events"),
    "chain_intro": (
        "Mỗi sự kiện được lưu vào chuỗi băm của cơ sở. Lệnh dưới đây kiểm tra chuỗi vẫn "
        "nguyên vẹn và mắt xích này vẫn có đúng mã băm, tức là các sự kiện trong báo cáo "
        "không bị sửa từ khi lập báo cáo.",
        "Each event is stored in its site's hash chain. The command below checks that the "
        "chain is intact and that this link still has this hash: the report's events have not "
        "changed since it was made.",
    ),
    "event": ("Sự kiện", "Event"),
    "biz_step": ("Công đoạn", "Step"),
    "link": ("Mắt xích", "Link"),
    "hash": ("Mã băm SHA-256", "SHA-256 hash"),
    "not_chained": ("chưa vào chuỗi", "not chained yet"),
    "no_events": ("Không có sự kiện", "No events"),
    "page": ("Trang", "Page"),
    "time": ("Thời gian", "Time"),
    "value": ("Giá trị", "Value"),
    "quality": ("Chất lượng", "Quality"),
    "summary": ("Tóm tắt", "Summary"),
    "suspect_note": (
        "Số đo bị đánh dấu nghi ngờ được liệt kê nhưng không tính vào số liệu.",
        "Readings marked suspect are listed but left out of the figures.",
    ),
}

_REASONS: dict[str, tuple[str, str]] = {
    "within_limits": (
        "Không vượt giới hạn nào và số đo phủ toàn bộ thời gian.",
        "No limit was exceeded and readings cover the whole period.",
    ),
    "single_high": (
        "Một lần vượt trên {limit} kéo dài {longest_s} (cho phép {allowed_s}).",
        "A single excursion above {limit} lasted {longest_s} (allowed: {allowed_s}).",
    ),
    "single_low": (
        "Một lần xuống dưới {limit} kéo dài {longest_s} (cho phép {allowed_s}).",
        "A single excursion below {limit} lasted {longest_s} (allowed: {allowed_s}).",
    ),
    "cumulative": (
        "Tổng thời gian ngoài khoảng cho phép là {total_s} (cho phép {allowed_s}).",
        "Time out of range adds up to {total_s} (allowed: {allowed_s}).",
    ),
    "mkt": ("MKT {mkt} cao hơn giới hạn {mkt_max}.", "MKT {mkt} is above its limit {mkt_max}."),
    "no_readings": ("Không có số đo nào trong thời gian này.", "No readings cover this period."),
    "gap": (
        "Không có số đo tại {site}/{location} trong {gap_s} (giới hạn {allowed_s}).",
        "No reading at {site}/{location} for {gap_s} (no-data limit: {allowed_s}).",
    ),
    "unmonitored": (
        "Tại {site}/{location} không có số đo trong {gap_s}.",
        "No readings at {site}/{location} for {gap_s}.",
    ),
    "untracked": (
        "Trong {gap_s} của chuyến hàng không biết hàng ở đâu (không có số đo).",
        "For {gap_s} of the shipment the unit was at no known place (no readings).",
    ),
    "ongoing": (
        "Vẫn đang tiếp diễn: số liệu có thể còn thay đổi.",
        "Still going on: the figures may change.",
    ),
    "pending": (
        "Còn {count} việc xử lý dữ liệu đang chờ: số liệu có thể còn thay đổi.",
        "{count} pieces of derived work are still queued: the figures may change.",
    ),
    "unchained": (
        "{count} sự kiện chưa được đưa vào chuỗi băm.",
        "{count} events are not in the hash chain yet.",
    ),
    "profile_id": ("Hồ sơ", "Profile"),
    "no_profile": (
        "Không có hồ sơ chuỗi lạnh: không có giới hạn để đánh giá.",
        "No cold-chain profile applies: there are no limits to judge against.",
    ),
}

def unit_symbol(quantity: str) -> str:
    """How people write the unit of `quantity` (°C, %)."""
    return QUANTITIES[Quantity(quantity)].symbol


class Texts:
    """Words and formats of one language."""

    def __init__(self, language: Language):
        self.language = language
        self._index = LANGUAGES.index(language)

    def __call__(self, key: str) -> str:
        """The word for `key`."""
        return _WORDS[key][self._index]

    def number(self, value: float | None, digits: int = 1) -> str:
        """A number as this language writes it (Vietnamese: decimal comma); — if None."""
        if value is None:
            return "—"
        text = f"{value:,.{digits}f}"
        if self.language == "vi":
            text = text.replace(",", " ").replace(".", ",")
        return text

    def value(self, value: float | None, quantity: str, digits: int = 1) -> str:
        """A measured value with its unit."""
        if value is None:
            return "—"
        return f"{self.number(value, digits)} {unit_symbol(quantity)}".rstrip()

    def time(self, at: datetime | None) -> str:
        """A time in Vietnam time, dd/mm/yyyy HH:MM."""
        return "—" if at is None else at.astimezone(LOCAL_TIME).strftime("%d/%m/%Y %H:%M")

    def duration(self, seconds: float | None) -> str:
        """A duration: minutes, hours and minutes, or days and hours."""
        if seconds is None:
            return "—"
        minutes = round(seconds / 60)
        vi = self.language == "vi"
        if minutes < 60:
            return f"{minutes} {'phút' if vi else 'min'}"
        hours, rest = divmod(minutes, 60)
        if hours < 48:
            return f"{hours} {'giờ' if vi else 'h'} {rest:02d} {'phút' if vi else 'min'}"
        days, hours = divmod(hours, 24)
        return f"{days} {'ngày' if vi else 'd'} {hours:02d} {'giờ' if vi else 'h'}"

    def reason(self, code: str, params: dict[str, Any], quantity: str) -> str:
        """One reason of a verdict as a sentence."""
        shown: dict[str, str] = {}
        for key, raw in params.items():
            if key.endswith("_s"):
                shown[key] = self.duration(float(raw))
            elif key in ("limit", "mkt", "mkt_max"):
                shown[key] = self.value(float(raw), quantity)
            else:
                shown[key] = str(raw)
        return _REASONS[code][self._index].format(**shown)
