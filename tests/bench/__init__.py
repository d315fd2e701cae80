"""`make bench`: statistics speed and memory against TFDV, measured in the same run. Not part
of the product (the wheel ships validator/ only)."""
