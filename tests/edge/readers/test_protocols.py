"""Byte parsers and decoders: documented examples, edge cases, and fuzzing (reject, never crash)."""

import contextlib
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.readers.gs1 import gs1_identifiers
from edge.readers.protocols import uhfreader
from edge.readers.protocols.aim import split_aim
from edge.readers.protocols.epc import epc_identifiers
from edge.readers.protocols.framing import LineFramer, Terminator, decode_text
from edge.readers.protocols.keymap import KeyDecoder
from edge.readers.protocols.modbus_map import DataType, Register, plan_requests
from edge.readers.protocols.tag_window import TagWindow
from edge.readers.protocols.w1 import W1Error, parse_w1_slave

# --- GS1 (examples from the GS1 General Specifications and GS1 Digital Link standard) ---


def test_gs1_element_string_with_separator_and_dates() -> None:
    ids = gs1_identifiers("]C10109506000134352172412311012AB\x1d21XYZ")
    assert ids is not None
    assert (ids.gtin, ids.lot, ids.serial) == ("09506000134352", "12AB", "XYZ")
    assert ids.expiry_date == date(2024, 12, 31)


def test_gs1_sscc_net_weight_and_production_date() -> None:
    ids = gs1_identifiers("]C1003950600012345678943103001250112406 01".replace(" ", ""))
    assert ids is not None and ids.sscc == "395060001234567894"
    assert ids.net_weight_kg == pytest.approx(1.25)
    assert ids.production_date == date(2024, 6, 1)


def test_gs1_digital_link_in_qr() -> None:
    ids = gs1_identifiers("]Q1https://id.gs1.org/01/09506000134352/10/ABC?17=251231")
    assert ids is not None and (ids.gtin, ids.lot) == ("09506000134352", "ABC")
    assert ids.expiry_date == date(2025, 12, 31)


def test_gtin_check_digit_is_verified() -> None:
    assert gs1_identifiers("]E09506000134352") is not None
    assert gs1_identifiers("]E09506000134353") is None
    assert gs1_identifiers("]C10109506000134353") is None


def test_non_gs1_codes_are_not_identified() -> None:
    assert gs1_identifiers("]C0HELLO-123") is None
    assert gs1_identifiers("hello world") is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_gs1_parsing_never_crashes(text: str) -> None:
    gs1_identifiers(text)


# --- AIM identifiers and line framing ---


def test_split_aim() -> None:
    assert split_aim("]d2010950") == ("]d2", "010950")
    assert split_aim("ABC") == (None, "ABC")
    assert split_aim("]") == (None, "]")


@pytest.mark.parametrize(
    ("terminator", "stream"),
    [
        (Terminator.CR, b"A1\rB2\r"),
        (Terminator.LF, b"A1\nB2\n"),
        (Terminator.CRLF, b"A1\r\nB2\r\n"),
    ],
)
def test_framer_terminators(terminator: Terminator, stream: bytes) -> None:
    framer = LineFramer(terminator)
    out = [m for b in stream for m in framer.feed(bytes([b]))]
    assert out == [b"A1", b"B2"]


def test_framer_none_flushes_on_silence_and_drops_overlong() -> None:
    framer = LineFramer(Terminator.NONE, max_bytes=8)
    assert framer.feed(b"ABC") == [] and framer.flush() == b"ABC"
    assert framer.flush() is None
    framer = LineFramer(Terminator.CR, max_bytes=8)
    assert framer.feed(b"0123456789") == [] and framer.overflows == 1
    assert framer.feed(b"rest\rOK\r") == [b"OK"]


def test_decode_text() -> None:
    assert decode_text(b"\xff\xfeA") == "\xff\xfeA"
    assert decode_text(b"\x00\x00") is None


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300), st.sampled_from(list(Terminator)))
def test_framer_fuzz(data: bytes, terminator: Terminator) -> None:
    framer = LineFramer(terminator, max_bytes=64)
    for message in framer.feed(data):
        assert len(message) <= 64 + len(data)
        decode_text(message)
    framer.flush()


# --- UHFReader18/288 frames ---


def test_inventory_command_bytes() -> None:
    # Len=4, Adr=0x00, Cmd=0x01 and the CRC-16 (preset 0xFFFF, poly 0x8408), LSB first
    assert uhfreader.command(uhfreader.CMD_INVENTORY) == bytes.fromhex("040001DB4B")


def test_frames_survive_garbage_and_bad_crc() -> None:
    epc = bytes.fromhex("3074257BF7194E4000001A85")
    good = uhfreader.inventory_answer([uhfreader.TagRead(epc, 0x4E)], antenna_mask=0x04)
    bad = bytearray(good)
    bad[-1] ^= 0xFF
    decoder = uhfreader.FrameDecoder()
    frames = decoder.feed(b"\x00\x01" + bytes(bad) + good[:5]) + decoder.feed(good[5:])
    assert len(frames) == 1 and decoder.crc_errors >= 1
    (read,) = uhfreader.tag_reads(frames[0])
    assert (read.epc, read.rssi, read.antenna) == (epc, 0x4E, 3)


def test_realtime_frame_and_heartbeat() -> None:
    epc = bytes.fromhex("3074257BF7194E4000001A85")
    tag = uhfreader.response(0xEE, 0x00, bytes([0x01, len(epc)]) + epc + b"\x50")
    beat = uhfreader.response(0xEE, 0x28, bytes(16))
    frames = uhfreader.FrameDecoder().feed(tag + beat)
    assert [len(uhfreader.tag_reads(f)) for f in frames] == [1, 0]


def test_reader18_layout() -> None:
    epc = bytes(12)
    frame = uhfreader.response(0x01, 0x01, bytes([1, 12]) + epc)
    (parsed,) = uhfreader.FrameDecoder().feed(frame)
    (read,) = uhfreader.tag_reads(parsed, uhfreader.Layout.READER18)
    assert read.epc == epc and read.rssi is None


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=400))
def test_uhf_decoder_fuzz(data: bytes) -> None:
    decoder = uhfreader.FrameDecoder()
    for frame in decoder.feed(data):
        with contextlib.suppress(ValueError):
            uhfreader.tag_reads(frame)
    decoder.discard_partial()


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=0, max_size=60), st.integers(0, 255))
def test_uhf_valid_frames_with_random_payload(data: bytes, status: int) -> None:
    frame = uhfreader.response(0x01, status, data)
    (parsed,) = uhfreader.FrameDecoder().feed(frame)
    with contextlib.suppress(ValueError):
        uhfreader.tag_reads(parsed)


# --- EPC (EPC Tag Data Standard worked examples) ---


def test_sgtin96_tds_example() -> None:
    ids = epc_identifiers("3074257BF7194E4000001A85")
    assert ids is not None
    assert ids.epc_uri == "urn:epc:id:sgtin:0614141.812345.6789"
    assert (ids.gtin, ids.serial) == ("80614141123458", "6789")


def test_sscc96_sgln96_grai96() -> None:
    sscc = epc_identifiers("3174257BF4499602D2000000")
    assert sscc is not None and sscc.epc_uri == "urn:epc:id:sscc:0614141.1234567890"
    assert sscc.sscc == "106141412345678908"
    sgln = epc_identifiers("3274257BF46072000000162E")
    assert sgln is not None and sgln.epc_uri == "urn:epc:id:sgln:0614141.12345.5678"
    assert sgln.gln == "0614141123452"
    grai = epc_identifiers("3374257BF40C0E400000162E")
    assert grai is not None and grai.epc_uri == "urn:epc:id:grai:0614141.12345.5678"
    assert grai.other["8003"].startswith("00614141123452")


def test_unknown_epc_is_none() -> None:
    assert epc_identifiers("E2801160600002084D4A1234") is None
    assert epc_identifiers("zz") is None


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=0, max_size=40))
def test_epc_decoding_never_crashes(data: bytes) -> None:
    epc_identifiers(data.hex())


def test_tag_window_collapses() -> None:
    from datetime import UTC, datetime, timedelta

    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    window = TagWindow(2.0)
    for i in range(5):
        window.add("A", at=t0 + timedelta(seconds=i * 0.3), now=i * 0.3, rssi=float(60 + i),
                   antenna=1 + i % 2)
    assert window.due(1.9) == []
    (seen,) = window.due(2.0)
    assert seen.count == 5 and seen.rssi == 64 and seen.antenna == 1
    assert seen.last_seen - seen.first_seen == timedelta(seconds=1.2)


# --- 1-Wire ---

W1_OK = "72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n72 01 4b 46 7f ff 0e 10 57 t=23125\n"


def test_w1_parse() -> None:
    assert parse_w1_slave(W1_OK) == pytest.approx(23.125)
    assert parse_w1_slave(W1_OK.replace("t=23125", "t=-10062")) == pytest.approx(-10.062)
    with pytest.raises(W1Error, match="CRC"):
        parse_w1_slave(W1_OK.replace("YES", "NO"))
    with pytest.raises(W1Error, match="85"):
        parse_w1_slave(W1_OK.replace("t=23125", "t=85000"))
    with pytest.raises(W1Error):
        parse_w1_slave("")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_w1_fuzz(text: str) -> None:
    with contextlib.suppress(W1Error):
        parse_w1_slave(text)


# --- Modbus register maps ---


def reg(name: str, address: int, type_: DataType = DataType.INT16, **kw: object) -> Register:
    return Register.model_validate(
        {"name": name, "quantity": "temperature", "address": address, "type": type_, **kw})


def test_register_decoding_orders() -> None:
    import struct

    words = struct.unpack(">HH", struct.pack(">f", -12.5))
    assert reg("a", 0, DataType.FLOAT32).decode(list(words)) == -12.5
    assert reg("a", 0, DataType.FLOAT32, word_order="little").decode(
        list(reversed(words))) == -12.5
    swapped = [int.from_bytes(w.to_bytes(2, "big"), "little") for w in words]
    assert reg("a", 0, DataType.FLOAT32, byte_order="little").decode(swapped) == -12.5
    assert reg("t", 0, scale=0.1, offset=-40).decode([0xFF33]) == pytest.approx(-60.5)
    assert reg("t", 0, DataType.UINT16).decode([0xFF33]) == 0xFF33
    assert reg("t", 0, DataType.INT32).decode([0xFFFF, 0xFFFE]) == -2
    assert reg("t", 0, DataType.FLOAT64).decode(
        list(struct.unpack(">HHHH", struct.pack(">d", 3.25)))) == 3.25


def test_register_validation() -> None:
    with pytest.raises(ValueError, match="takes 2"):
        reg("a", 0, DataType.FLOAT32, count=1)
    with pytest.raises(ValueError, match="unit"):
        reg("a", 0, unit="P1")


def test_adjacent_registers_merge() -> None:
    plan = plan_requests([reg("b", 1), reg("a", 0), reg("c", 2, DataType.FLOAT32), reg("d", 10),
                          reg("e", 0, table="input")])
    assert [(r.table, r.address, r.count) for r in plan] == [
        ("holding", 0, 4), ("holding", 10, 1), ("input", 0, 1)]
    assert len(plan_requests([reg("a", 0), reg("b", 3)], max_gap=2)) == 1


# --- keyboard wedge ---


def test_key_decoder_shift_and_gs() -> None:
    decoder = KeyDecoder()
    events = [(42, 1), (30, 1), (30, 0), (42, 0), (2, 1), (29, 1), (27, 1), (29, 0), (11, 1),
              (28, 1)]
    out = [decoder.key(code, value) for code, value in events]
    assert out[-1] == "A1\x1d0" and all(o is None for o in out[:-1])
