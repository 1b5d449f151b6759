# SPDX-License-Identifier: BSD-3-Clause
"""os-vif plugin "hvk": a VIF's tap as a port of an hvk switch."""
