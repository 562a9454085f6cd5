"""The binary command set of the common low-cost UHF readers ("UHFReader18 / UHFReader288").

Spoken by many desktop and fixed UHF readers sold under Chafon, ZKHY, SID UR-series and other
names, over RS-232/RS-485/USB-serial and TCP. Frame format, as documented in the
"ZK-RFID102 UHF RFID Reader User's Manual V2.0", section 3 (data block format), and the
"UHF RFID Reader UR-Series User Manual v1.14" (= UHFReader288MP manual), sections 8.2.1
(inventory, answer mode) and the real-time inventory output format:

- command:  Len | Adr | Cmd | Data[] | CRC-16 LSB | CRC-16 MSB, with Len = len(Data) + 4;
- response: Len | Adr | reCmd | Status | Data[] | CRC-16 LSB | CRC-16 MSB, Len = len(Data) + 5;
- CRC-16 over Len..Data: preset 0xFFFF, polynomial 0x8408 (reflected CCITT), LSB first;
- Adr 0..254, 255 broadcast; inventory is Cmd 0x01;
- inventory answer (288 layout): Data = Ant | Num | Num x (EPC length | EPC | RSSI);
  (18 layout: Data = Num | Num x (EPC length | EPC)); Status 0x01..0x04 carry tags;
- real-time mode upload: reCmd 0xEE, Status 0x00, Data = Ant | Len | EPC | RSSI;
  Status 0x28 is a heartbeat. Ant is a bit mask: bit n set = antenna n + 1.
"""

from dataclasses import dataclass
from enum import StrEnum

CMD_INVENTORY = 0x01
RECMD_REALTIME = 0xEE
BROADCAST = 0xFF
_TAG_STATUSES = frozenset({0x01, 0x02, 0x03, 0x04})
_STATUS_REALTIME_TAG = 0x00
_MIN_LEN = 5  # Adr, reCmd, Status and two CRC bytes


class Layout(StrEnum):
    """Which inventory answer the reader model gives."""

    READER288 = "reader288"  # with antenna and RSSI
    READER18 = "reader18"  # EPCs only


def crc16(data: bytes) -> int:
    """The frame CRC: preset 0xFFFF, reflected polynomial 0x8408, no final XOR."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc


def command(cmd: int, data: bytes = b"", address: int = 0x00) -> bytes:
    """A command frame with its length and CRC."""
    body = bytes([len(data) + 4, address, cmd]) + data
    return body + crc16(body).to_bytes(2, "little")


def response(recmd: int, status: int, data: bytes = b"", address: int = 0x00) -> bytes:
    """A response frame as a reader sends it (tests and simulators build theirs with this)."""
    body = bytes([len(data) + 5, address, recmd, status]) + data
    return body + crc16(body).to_bytes(2, "little")


@dataclass(frozen=True)
class Frame:
    """One checked response frame."""

    address: int
    recmd: int
    status: int
    data: bytes


@dataclass(frozen=True)
class TagRead:
    """One read of one tag."""

    epc: bytes
    rssi: int | None = None
    antenna: int | None = None


class FrameDecoder:
    """Finds CRC-checked frames in a byte stream; skips and counts garbage and bad CRCs."""

    def __init__(self) -> None:
        self.crc_errors = 0
        self.garbage_bytes = 0
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[Frame]:
        """Add received bytes; the complete, valid frames they finish."""
        self._buffer += data
        frames: list[Frame] = []
        while self._buffer:
            length = self._buffer[0]
            if length < _MIN_LEN:
                del self._buffer[0]
                self.garbage_bytes += 1
                continue
            if len(self._buffer) < length + 1:
                skip = self._later_frame()
                if skip is None:
                    break  # wait for more bytes
                del self._buffer[:skip]  # what looked like a frame start was noise
                self.garbage_bytes += skip
                continue
            raw = bytes(self._buffer[: length + 1])
            if not _valid(raw):
                del self._buffer[0]  # resynchronise one byte further on
                self.crc_errors += 1
                continue
            del self._buffer[: length + 1]
            frames.append(Frame(raw[1], raw[2], raw[3], raw[4:-2]))
        return frames

    def _later_frame(self) -> int | None:
        """The offset of a complete, valid frame behind an incomplete candidate, if any."""
        buffer = self._buffer
        for start in range(1, len(buffer)):
            length = buffer[start]
            end = start + length + 1
            if length >= _MIN_LEN and end <= len(buffer) and _valid(bytes(buffer[start:end])):
                return start
        return None

    def discard_partial(self) -> None:
        """On silence: a half frame will never complete; drop and count it."""
        self.garbage_bytes += len(self._buffer)
        self._buffer.clear()


def _valid(raw: bytes) -> bool:
    return crc16(raw[:-2]) == int.from_bytes(raw[-2:], "little")


def antenna_number(mask: int) -> int | None:
    """The antenna (1-based) named by the lowest bit set in an Ant mask."""
    for bit in range(8):
        if mask & (1 << bit):
            return bit + 1
    return None


def tag_reads(frame: Frame, layout: Layout = Layout.READER288) -> list[TagRead]:
    """The tags a frame reports; ValueError when its data are malformed."""
    data = frame.data
    if frame.recmd == RECMD_REALTIME:
        if frame.status != _STATUS_REALTIME_TAG:
            return []  # heartbeat or status report
        if len(data) < 3 or len(data) != 3 + (data[1] & 0x7F):
            raise ValueError("real-time tag report of the wrong length")
        size = data[1] & 0x7F
        return [TagRead(bytes(data[2 : 2 + size]), data[2 + size], antenna_number(data[0]))]
    if frame.recmd != CMD_INVENTORY or frame.status not in _TAG_STATUSES:
        return []
    with_signal = layout is Layout.READER288
    antenna = antenna_number(data[0]) if with_signal and data else None
    offset = 1 if with_signal else 0
    if len(data) <= offset:
        raise ValueError("inventory answer without a tag count")
    count = data[offset]
    offset += 1
    reads: list[TagRead] = []
    for _ in range(count):
        if offset >= len(data):
            raise ValueError("inventory answer shorter than its tag count")
        size = data[offset] & 0x7F
        end = offset + 1 + size + (1 if with_signal else 0)
        if size == 0 or end > len(data):
            raise ValueError("inventory answer with a truncated EPC")
        epc = bytes(data[offset + 1 : offset + 1 + size])
        rssi = data[end - 1] if with_signal else None
        reads.append(TagRead(epc, rssi, antenna))
        offset = end
    if offset != len(data):
        raise ValueError("inventory answer longer than its tag count")
    return reads


def inventory_answer(reads: list[TagRead], antenna_mask: int = 0x01) -> bytes:
    """A 288-layout inventory answer frame carrying `reads` (for simulators and tests)."""
    data = bytearray([antenna_mask, len(reads)])
    for read in reads:
        data += bytes([len(read.epc)]) + read.epc + bytes([read.rssi or 0])
    return response(CMD_INVENTORY, 0x01, bytes(data))
