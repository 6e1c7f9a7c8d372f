"""Signing in through the portal's identity provider (OpenID Connect): discovery, keys, tokens."""
