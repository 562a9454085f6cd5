"""Typed EPCIS settings (TXNG_EPCIS_*): GS1 company prefix lengths and private location URIs."""

from pydantic import Field, SecretStr, field_validator

from plumbing.settings import Section, load_settings


class EpcisSettings(Section):
    """How our GS1 keys and locations become EPC URIs; every field has a TXNG_<NAME> variable."""

    epcis_company_prefix_length: int = Field(
        default=7,
        ge=6,
        le=12,
        description="Digits of the GS1 company prefix in our keys (EPC URIs split at it)",
    )
    epcis_company_prefix_lengths: dict[str, int] = Field(
        default_factory=dict,
        description="Per-prefix overrides: leading digits of a key (GTIN without its indicator "
        "digit, SSCC without its extension digit, GLN) → company prefix length; longest wins",
    )
    epcis_location_uri: str = Field(
        default="https://txng.example/loc/{site}/{location}",
        description="URI of a location without a GLN (readPoint/bizLocation): a template with "
        "{site} and {location}, in a namespace the enterprise controls",
    )
    epcis_max_page: int = Field(default=1000, ge=1, le=100_000)
    epcis_capture_url: str = Field(
        default="http://127.0.0.1:8090/capture",
        description="The far EPCIS 2.0 repository's capture endpoint (`txng cloud forward` with "
        "adapter epcis posts documents to it)",
    )
    epcis_capture_token: SecretStr | None = Field(
        default=None, description="Bearer token for the capture endpoint, if it needs one"
    )
    epcis_capture_batch: int = Field(default=100, ge=1, le=10_000)
    epcis_capture_timeout_s: float = Field(default=30.0, gt=0)

    @field_validator("epcis_location_uri")
    @classmethod
    def _template(cls, value: str) -> str:
        if "{site}" not in value or "{location}" not in value or ":" not in value:
            raise ValueError("must be a URI template with {site} and {location}")
        return value

    @field_validator("epcis_company_prefix_lengths")
    @classmethod
    def _lengths(cls, value: dict[str, int]) -> dict[str, int]:
        for digits, length in value.items():
            if not digits.isdigit() or not 6 <= length <= 12:
                raise ValueError(f"{digits!r}: {length} (digits → a length within 6..12)")
        return value

    def prefix_length(self, digits: str) -> int:
        """The company prefix length of a key, from its leading digits (GS1 prefix first)."""
        best = ""
        for prefix in self.epcis_company_prefix_lengths:
            if digits.startswith(prefix) and len(prefix) > len(best):
                best = prefix
        return self.epcis_company_prefix_lengths[best] if best else self.epcis_company_prefix_length


def load_epcis_settings(**overrides: object) -> EpcisSettings:
    """Read settings from the environment (and `overrides`); raise ConfigError naming the field."""
    return load_settings(EpcisSettings, overrides)
