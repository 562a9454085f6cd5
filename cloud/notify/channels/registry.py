"""The channels of this process, built from its settings (an unconfigured one fails each send)."""

from cloud.notify.channels import Channel, NotConfigured
from cloud.notify.channels.email import EmailChannel
from cloud.notify.channels.telegram import TelegramChannel
from cloud.notify.channels.zalo import ZaloChannel
from cloud.settings.notify import PeopleSettings

CHANNELS = ("email", "telegram", "zalo")


def build_channels(settings: PeopleSettings) -> dict[str, Channel]:
    """One adapter per channel name."""
    channels: dict[str, Channel] = {name: NotConfigured(name) for name in CHANNELS}
    if settings.smtp_host and settings.smtp_from:
        channels["email"] = EmailChannel(
            host=settings.smtp_host,
            port=settings.smtp_port,
            security=settings.smtp_security,
            sender=settings.smtp_from,
            username=settings.smtp_username,
            password=settings.smtp_password,
            timeout_s=settings.timeout_s,
        )
    if settings.telegram_bot_token is not None:
        channels["telegram"] = TelegramChannel(
            api_url=settings.telegram_api_url,
            token=settings.telegram_bot_token,
            timeout_s=settings.timeout_s,
        )
    if settings.zalo_access_token is not None:
        channels["zalo"] = ZaloChannel(
            api_url=settings.zalo_api_url,
            access_token=settings.zalo_access_token,
            timeout_s=settings.timeout_s,
        )
    return channels
