"""What counts as one client when limits count by network address."""

import ipaddress


def client_group(address: str) -> str:
    """An IPv4 address, or an IPv6 address's /64: one household or machine gets a whole /64,
    so counting single IPv6 addresses would give anyone endless fresh ones."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)
