"""Camera barcodes from generated images written to a video file and read back via OpenCV."""

from pathlib import Path

import numpy as np
import pytest

from contract import ScanEvent
from edge.readers.camera import Camera, CameraConfig

from .helpers import CONTEXT, collect, run

cv2 = pytest.importorskip("cv2")
zxingcpp = pytest.importorskip("zxingcpp")

GS1_DM = "(01)09506000134352(17)241231(10)TOM(21)12"
QR_LINK = "https://id.gs1.org/01/09506000134352/10/ABC"


def barcode(content: str, fmt: object, gs1: bool = False, scale: int = 4) -> np.ndarray:
    symbol = zxingcpp.create_barcode(content, fmt, gs1=gs1) if gs1 else zxingcpp.create_barcode(
        content, fmt)
    return np.asarray(symbol.to_image(scale=scale))


def frame(code: np.ndarray | None, at: tuple[int, int] = (40, 40)) -> np.ndarray:
    canvas = np.full((480, 640), 255, np.uint8)
    if code is not None:
        h, w = code.shape
        canvas[at[1] : at[1] + h, at[0] : at[0] + w] = code
    return cv2.cvtColor(canvas, cv2.COLOR_GRAY2BGR)


def write_video(path: Path, frames: list[np.ndarray]) -> None:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (640, 480))
    for image in frames:
        writer.write(image)
    writer.release()


def camera(source: Path, **extra: object) -> Camera:
    config = CameraConfig.model_validate({
        "type": "camera", "name": "cam", "location": "line", "biz_step": "packing",
        "source": str(source), "max_fps": 100, "hold_off_s": 0.5, "reconnect_s": 5, **extra,
    })
    return Camera(config, CONTEXT)


def test_gs1_datamatrix_qr_and_plain_code128(tmp_path: Path) -> None:
    dm = barcode(GS1_DM, zxingcpp.BarcodeFormat.DataMatrix, gs1=True, scale=6)
    qr = barcode(QR_LINK, zxingcpp.BarcodeFormat.QRCode)
    plain = barcode("HELLO-123", zxingcpp.BarcodeFormat.Code128, scale=2)
    # the same DataMatrix in 5 consecutive frames is one scan (hold-off)
    frames = [frame(dm)] * 5 + [frame(None)] + [frame(qr)] * 3 + [frame(plain, (10, 200))] * 2
    write_video(tmp_path / "line.avi", frames)
    items = run(collect(camera(tmp_path / "line.avi"), 3))
    scans = [i for i in items if isinstance(i, ScanEvent)]
    assert [s.symbology for s in scans] == ["]d2", "]Q1", "]C0"]
    assert scans[0].gs1 is not None and scans[0].gs1.serial == "12"
    assert scans[0].raw == "01095060001343521724123110TOM\x1d2112"
    assert scans[1].gs1 is not None and scans[1].gs1.lot == "ABC"
    assert scans[2].raw == "HELLO-123" and scans[2].gs1 is None


def test_roi_limits_what_is_decoded(tmp_path: Path) -> None:
    left = barcode("LEFT", zxingcpp.BarcodeFormat.QRCode)
    right = barcode("RIGHT", zxingcpp.BarcodeFormat.QRCode)
    image = frame(left, (20, 20))
    image[300:300 + right.shape[0], 400:400 + right.shape[1]] = right[..., None]
    write_video(tmp_path / "two.avi", [image] * 3)
    roi = {"x": 320, "y": 240, "width": 320, "height": 240}
    items = run(collect(camera(tmp_path / "two.avi", roi=roi), 1))
    assert [i.raw for i in items if isinstance(i, ScanEvent)] == ["RIGHT"]


def test_pyzbar_alternative(tmp_path: Path) -> None:
    pytest.importorskip("pyzbar.pyzbar", exc_type=ImportError)
    qr = barcode(QR_LINK, zxingcpp.BarcodeFormat.QRCode)
    write_video(tmp_path / "qr.avi", [frame(qr)] * 3)
    items = run(collect(camera(tmp_path / "qr.avi", decoder="pyzbar"), 1))
    (scan,) = items
    assert isinstance(scan, ScanEvent) and scan.raw == QR_LINK and scan.gs1 is not None
