# SPDX-License-Identifier: GPL-2.0
"""os-vif plugin "hvk": a VIF's tap as a port of an hvk switch."""
