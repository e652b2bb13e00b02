"""One client, one key: an IPv6 /64 counts as one client (anyone has endless addresses in
it), and what is stored is a keyed hash, never the address (issue 23, findings 3 and 4)."""

from bot.backoffice.addresses import client_group
from components.channels.common import AddressLimits, client_key


def test_an_ipv6_64_is_one_client_and_an_ipv4_address_is_one():
    assert client_group("2001:db8:1:2:aaaa::1") == client_group("2001:db8:1:2:ffff:1:2:3") == "2001:db8:1:2::/64"
    assert client_group("2001:db8:1:3::1") != client_group("2001:db8:1:2::1")
    assert client_group("::ffff:192.0.2.7") == client_group("192.0.2.7") == "192.0.2.7"
    assert client_group("192.0.2.8") != "192.0.2.7" and client_group("unknown") == "unknown"


def test_the_key_is_the_same_for_one_client_and_never_the_address():
    secret = b"s" * 32
    key = client_key(secret, "2001:db8:1:2::1")
    assert key == client_key(secret, "2001:db8:1:2:9::9") != client_key(secret, "2001:db8:9::1")
    assert "2001" not in key and "db8" not in key and len(key) == 24
    assert client_key(b"t" * 32, "2001:db8:1:2::1") != key  # another deployment, another key


def test_the_message_limit_counts_a_whole_ipv6_64_together():
    limits = AddressLimits(per_minute=3)
    assert [limits.allow(f"2001:db8:1:2::{n}") for n in range(1, 5)] == [True, True, True, False]
    assert limits.allow("2001:db8:1:3::1")  # the next /64 is another client
