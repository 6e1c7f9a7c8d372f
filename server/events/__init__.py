"""The event seam: changes become log rows and messages; what the public sees; the seal; publishing."""
