"""Device provisioning and credentials: the use cases that the API and the CLI share."""
