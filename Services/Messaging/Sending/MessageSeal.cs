using System.Security.Cryptography;
using System.Text;
using Alle.Platform.Authentication;

namespace Alle.Messaging.Sending;

/// <summary>
/// Keeps the one text that must not be readable in the message log — a sign-in code as it goes to Twilio — sealed
/// (AES-GCM, bound to its message id) until it is sent; the log holds the body with the code masked. The key is derived
/// from the member-token key every replica already shares, so no new secret has to be distributed.
/// </summary>
internal sealed class MessageSeal
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _key;

    public MessageSeal(IConfiguration configuration)
        : this(configuration[MemberTokens.ConfigurationKey] ?? throw new InvalidOperationException("Alle:MemberTokenKey is required to seal one-time codes."))
    {
    }

    public MessageSeal(string secret) =>
        _key = HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret), 32, info: Encoding.UTF8.GetBytes("alle/messaging/sealed-body/v1"));

    public byte[] Seal(Guid messageId, string text)
    {
        var plain = Encoding.UTF8.GetBytes(text);
        var sealedBody = new byte[NonceSize + TagSize + plain.Length];
        var nonce = sealedBody.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, plain, sealedBody.AsSpan(NonceSize + TagSize), sealedBody.AsSpan(NonceSize, TagSize), messageId.ToByteArray());
        return sealedBody;
    }

    /// <summary>The text, or null when it cannot be opened (another key, or tampered with).</summary>
    public string? Open(Guid messageId, byte[] sealedBody)
    {
        if (sealedBody.Length < NonceSize + TagSize)
        {
            return null;
        }
        var plain = new byte[sealedBody.Length - NonceSize - TagSize];
        try
        {
            using var aes = new AesGcm(_key, TagSize);
            aes.Decrypt(sealedBody.AsSpan(0, NonceSize), sealedBody.AsSpan(NonceSize + TagSize), sealedBody.AsSpan(NonceSize, TagSize), plain, messageId.ToByteArray());
            return Encoding.UTF8.GetString(plain);
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
    }

    /// <summary>The body the log keeps: <paramref name="secret"/> replaced by as many dots.</summary>
    public static string Mask(string text, string secret) => text.Replace(secret, new string('•', secret.Length), StringComparison.Ordinal);
}
