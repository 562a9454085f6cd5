-- Certificates (OCOP stars, VietGAP, …) of a product or of a farm plot (its growing area), and
-- photos of a batch's steps: what the national portal takes as certification (CHUNG_NHAN) and
-- evidence images (ANH_MINH_CHUNG).
CREATE TABLE certificates (
    id           text PRIMARY KEY,
    kind         text NOT NULL,            -- e.g. 'OCOP 4 sao', 'VietGAP'
    number       text NOT NULL,
    issuer       text NOT NULL,
    issued_on    date,
    valid_until  date,
    gtin         char(14) REFERENCES products (gtin),
    site_id      text,
    location     text,
    image_url    text,
    FOREIGN KEY (site_id, location) REFERENCES locations (site_id, code),
    CHECK ((gtin IS NULL) <> (location IS NULL)),
    CHECK (valid_until IS NULL OR issued_on IS NULL OR valid_until >= issued_on)
);
CREATE INDEX certificates_gtin ON certificates (gtin) WHERE gtin IS NOT NULL;

CREATE TABLE step_photos (
    id         bigserial PRIMARY KEY,
    gtin       char(14) NOT NULL,
    lot        text NOT NULL,
    site_id    text NOT NULL,
    location   text NOT NULL,
    biz_step   text NOT NULL,
    image_url  text NOT NULL,
    caption    text,
    taken_at   timestamptz,
    UNIQUE (gtin, lot, site_id, location, biz_step, image_url)
);
