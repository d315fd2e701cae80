"""Where the data comes from. Each source yields raw Arrow record batches for one ds."""
