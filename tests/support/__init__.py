"""What the tests share and never test: clients, private servers and services, fakes."""
