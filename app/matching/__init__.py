"""Pure matching code: name normalisation, similarity and evidence scoring."""
