"""Which meter components of a Shelly energy meter are read: the three-phase ``em:0`` or ``em1:N`` channels.

The Pro 3EM names its profile in Shelly.GetDeviceInfo (``triphase``: ``em:0``; ``monophase``: ``em1:0..2``).
Two-channel meters (Pro EM-50, EM Gen3: ``em1:0..1``) name no profile, and neither does a Pro 3EM before
firmware 1.1.0 (always triphase), so the components of the first Shelly.GetStatus decide. Channel N is reported
as phase ``a``, ``b``, ``c`` for N = 0, 1, 2; ``HPM_SHELLY_CHANNEL`` narrows the reading to the channel that
meters the heat pump, otherwise the total is the sum of all channels.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from collector.sources.shelly.client import DeviceInfo, PayloadError

_EM1 = re.compile(r"^em1:(\d)$")


def resolve(device: DeviceInfo, status: Any, channel: int | None) -> DeviceInfo:
    """The device with the profile and em1 channels its status shows; PayloadError when it is no energy meter."""
    if not isinstance(status, dict):
        raise PayloadError("Shelly.GetStatus: answer is not an object")
    found = tuple(sorted(int(m.group(1)) for key in status if (m := _EM1.match(str(key)))))
    name = device.model or device.id
    if device.profile == "triphase" and "em:0" in status:
        return replace(device, channels=())
    if not found:
        raise PayloadError(
            f"{name} reports neither a three-phase meter (em:0) nor metering channels (em1:N) in Shelly.GetStatus: "
            "it is not a supported energy meter (Pro 3EM, Pro EM-50, EM Gen3)"
        )
    if channel is not None:
        if channel not in found:
            raise PayloadError(
                f"HPM_SHELLY_CHANNEL={channel}, but {name} has the channels {', '.join(map(str, found))}"
            )
        found = (channel,)
    return replace(device, profile="monophase", channels=found)
