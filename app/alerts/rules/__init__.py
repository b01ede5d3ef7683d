"""The rule catalogue of DESIGN §2.5: one pure module per rule."""
