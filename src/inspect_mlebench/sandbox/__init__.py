"""The per-sample sandbox: agent and validator images, compose generation, the validation endpoint, GPU leases."""
