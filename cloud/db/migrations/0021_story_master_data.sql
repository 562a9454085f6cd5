-- Master data the story needs: a farm plot's growing-area code (mã số vùng trồng; the portal's
-- VUNG_TRONG) and a site's address (the party named in dealer and shop steps).
ALTER TABLE locations ADD COLUMN area_code text;
ALTER TABLE sites ADD COLUMN address text;
