"""What provisioning a device can fail on, in the words its callers translate."""


class ProvisioningError(Exception):
    """Base of the provisioning errors."""


class UnknownDevice(ProvisioningError):
    """No such device in the database."""


class InvalidDeviceName(ProvisioningError):
    """A site or device id that cannot name a broker account or a topic."""
