using System.Net;
using System.Net.Sockets;

namespace Alle.Destinations.Network;

/// <summary>
/// Where destinations may be reached, so that an operator (or a template) cannot point the platform at its own insides:
/// absolute <c>http</c>/<c>https</c> URLs without user info or fragment, whose host is a public address or a domain
/// name with a dot (single-label names are the platform's own services). Addresses are checked again when connecting
/// (a name may resolve anywhere, and later elsewhere): never the unspecified, multicast, broadcast or reserved space;
/// loopback only when allowed (development: the tests' receivers); private, link-local (cloud metadata), shared and
/// unique-local space only when allowed.
/// </summary>
internal sealed record DestinationUrlPolicy(bool AllowLoopback, bool AllowPrivateNetworks)
{
    public const int MaxUrlLength = 2048;

    /// <summary>Null when the URL may be used; else why not, in a sentence for the operator.</summary>
    public string? Check(string? text, out Uri? url)
    {
        url = null;
        if (string.IsNullOrWhiteSpace(text) || text.Length > MaxUrlLength)
        {
            return $"An absolute http or https URL of at most {MaxUrlLength} characters is required.";
        }
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https"))
        {
            return "Only absolute http and https URLs are allowed.";
        }
        if (parsed.UserInfo.Length > 0 || parsed.Fragment.Length > 0)
        {
            return "A URL with user info or a fragment is not allowed (put credentials in a header).";
        }
        if (parsed.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6)
        {
            if (!IsAllowed(IPAddress.Parse(parsed.IdnHost.Trim('[', ']'))))
            {
                return "This address is not allowed: loopback, private, link-local and reserved addresses are refused.";
            }
        }
        else if (parsed.IdnHost.Equals("localhost", StringComparison.OrdinalIgnoreCase) || parsed.IdnHost.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
        {
            if (!AllowLoopback)
            {
                return "Loopback destinations are not allowed here.";
            }
        }
        else if (!parsed.IdnHost.Contains('.', StringComparison.Ordinal))
        {
            return "The host must be a fully qualified domain name or an address (single-label names are internal services).";
        }
        url = parsed;
        return null;
    }

    public bool IsAllowed(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (IPAddress.IsLoopback(address))
        {
            return AllowLoopback;
        }
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            if (b[0] == 0 || b[0] >= 224)
            {
                // 0.0.0.0/8 (this network), 224/4 multicast, 240/4 reserved and the broadcast address.
                return false;
            }
            var isPrivate = b[0] == 10
                || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 169 && b[1] == 254)
                || (b[0] == 100 && b[1] >= 64 && b[1] <= 127);
            return !isPrivate || AllowPrivateNetworks;
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            if (address.Equals(IPAddress.IPv6None) || address.IsIPv6Multicast)
            {
                return false;
            }
            var b = address.GetAddressBytes();
            var isPrivate = address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || (b[0] & 0xFE) == 0xFC;
            return !isPrivate || AllowPrivateNetworks;
        }
        return false;
    }
}
