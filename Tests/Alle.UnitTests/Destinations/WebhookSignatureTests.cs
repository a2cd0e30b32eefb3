using System.Text;
using Alle.Destinations.Delivery;

namespace Alle.UnitTests.Destinations;

/// <summary>The request signatures: HMAC-SHA1 (Segment's X-Signature) and HMAC-SHA256 of the raw body, lower-case hex.</summary>
public sealed class WebhookSignatureTests
{
    private static readonly byte[] s_body = Encoding.UTF8.GetBytes("The quick brown fox jumps over the lazy dog");

    [Fact]
    public void Signatures_match_the_published_hmac_test_vectors()
    {
        Assert.Equal("de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9", WebhookSignature.Sha1("key", s_body));
        Assert.Equal("sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8", WebhookSignature.Sha256("key", s_body));
    }

    [Fact]
    public void Verification_needs_the_same_secret_and_the_same_bytes()
    {
        var signature = WebhookSignature.Sha1("secret-one", s_body);

        Assert.True(WebhookSignature.Verify("secret-one", s_body, signature));
        Assert.False(WebhookSignature.Verify("secret-two", s_body, signature));
        Assert.False(WebhookSignature.Verify("secret-one", [.. s_body, (byte)' '], signature));
        Assert.False(WebhookSignature.Verify("secret-one", s_body, null));
    }

    [Fact]
    public void The_secret_is_read_as_utf8()
    {
        Assert.NotEqual(WebhookSignature.Sha1("clé", s_body), WebhookSignature.Sha1("cle", s_body));
        Assert.Equal(40, WebhookSignature.Sha1("clé", s_body).Length);
    }
}
