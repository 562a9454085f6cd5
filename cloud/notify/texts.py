"""What a message says, in Vietnamese and English: alert kinds, states, reasons and figures."""

from datetime import datetime
from typing import Final, Literal
from zoneinfo import ZoneInfo

Language = Literal["vi", "en"]

_WORDS: Final[dict[str, tuple[str, str]]] = {
    "kind.excursion_high": ("Nhiệt độ lô hàng vượt ngưỡng trên", "Batch above its range"),
    "kind.excursion_low": ("Nhiệt độ lô hàng dưới ngưỡng dưới", "Batch below its range"),
    "kind.excursion_cumulative": (
        "Lô hàng vượt tổng thời gian ngoài ngưỡng cho phép",
        "Batch over its cumulative time out of range",
    ),
    "kind.mkt_exceeded": ("Nhiệt độ động học trung bình (MKT) vượt giới hạn", "MKT above limit"),
    "kind.location_excursion_high": ("Kho/phòng vượt ngưỡng trên", "Place above its range"),
    "kind.location_excursion_low": ("Kho/phòng dưới ngưỡng dưới", "Place below its range"),
    "kind.probe_silent": ("Đầu đo không gửi dữ liệu", "Probe silent: no data"),
    "kind.device_offline": ("Thiết bị biên mất kết nối", "Edge agent offline"),
    "kind.outbox_growing": (
        "Hàng đợi của thiết bị biên tăng liên tục",
        "Edge agent's outbox keeps growing",
    ),
    "kind.impossible_travel": ("Di chuyển bất khả thi", "Impossible travel"),
    "kind.expired_batch_scan": ("Quét lô hàng đã hết hạn", "Expired batch scanned"),
    "kind.uncommissioned_code": ("Mã chưa được kích hoạt", "Uncommissioned code scanned"),
    "severity.critical": ("NGHIÊM TRỌNG", "CRITICAL"),
    "severity.warning": ("Cảnh báo", "Warning"),
    "severity.info": ("Thông tin", "Info"),
    "event.active_unack": ("Mới", "New"),
    "event.active_ack": ("Đã xác nhận", "Acknowledged"),
    "event.cleared": ("Đã kết thúc", "Cleared"),
    "event.escalation": ("Chuyển cấp: chưa ai xác nhận", "Escalated: nobody acknowledged"),
    "event.reminder": ("Nhắc lại: vẫn chưa xác nhận", "Reminder: still unacknowledged"),
    "alert": ("Cảnh báo", "Alert"),
    "place": ("Nơi", "Place"),
    "probe": ("Đầu đo", "Probe"),
    "device": ("Thiết bị", "Device"),
    "batches": ("Lô", "Batches"),
    "since": ("Từ", "Since"),
    "until": ("Đến", "Until"),
    "by": ("bởi", "by"),
    "peak": ("Cực trị", "Peak"),
    "range": ("Giới hạn", "Range"),
    "open": ("Xem và xác nhận", "Open and acknowledge"),
    "open_all": ("Tất cả cảnh báo", "All alerts"),
    "many": ("{n} cảnh báo", "{n} alerts"),
    "more": ("… và {n} mục khác", "… and {n} more"),
    "outbox": ("Hàng đợi", "Outbox"),
    "last_seen": ("Lần cuối", "Last seen"),
}


def word(key: str, language: Language) -> str:
    """The word for `key` (a kind not listed reads as its own name)."""
    pair = _WORDS.get(key)
    if pair is None:
        return key.split(".", 1)[-1]
    return pair[0] if language == "vi" else pair[1]


def local_time(at: datetime, zone: str) -> str:
    """`14/05/2025 02:13 (+07)`: day first, as both languages read it in Vietnam."""
    local = at.astimezone(ZoneInfo(zone))
    offset = local.strftime("%z")
    return f"{local:%d/%m/%Y %H:%M} (UTC{offset[:3]}:{offset[3:]})"


def number(value: object, language: Language) -> str:
    """A figure with the language's decimal mark (Vietnamese writes 9,2)."""
    if not isinstance(value, int | float):
        return str(value)
    text = f"{value:.1f}" if isinstance(value, float) else str(value)
    return text.replace(".", ",") if language == "vi" else text
