-- Sensor (probe) master data: what a cold-chain report says about each probe's calibration.
-- Keyed as readings name a probe (site, device, sensor); every column but the key is optional.
CREATE TABLE sensors (
    site_id          text NOT NULL,
    device_id        text NOT NULL,
    sensor           text NOT NULL,
    model            text,
    serial_number    text,
    accuracy         text,  -- as the certificate states it, e.g. '±0.3 °C'
    calibration_ref  text,  -- the calibration certificate's number
    calibrated_on    date,
    calibration_due  date,
    PRIMARY KEY (site_id, device_id, sensor),
    CHECK (calibration_due IS NULL OR calibrated_on IS NULL OR calibration_due >= calibrated_on)
);
