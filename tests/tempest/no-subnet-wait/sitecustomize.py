"""Put first on PYTHONPATH by `scripts/tempest --no-subnet-wait`: every
tempest worker imports it at start-up.

tempest 33's SubnetsClient.delete_subnet sleeps 10 s before each DELETE
("it takes time to teardown some ports" in Neutron, whose agents work
asynchronously). cumulo deletes a subnet's ports before it answers, so the
pause only waits; the network tests delete ~140 subnets, which is most of
the run's time. This skips exactly that sleep (called from delete_subnet in
tempest.lib.services.network.subnets_client) and no other: every request
and every check stays as tempest wrote it.
"""
import sys
import time

_sleep = time.sleep


def _sleep_unless_deleting_a_subnet(seconds):
    caller = sys._getframe(1)
    if (caller.f_code.co_name == "delete_subnet" and
            caller.f_globals.get("__name__") ==
            "tempest.lib.services.network.subnets_client"):
        return
    _sleep(seconds)


time.sleep = _sleep_unless_deleting_a_subnet
