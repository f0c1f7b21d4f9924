using System.Collections.Frozen;
using Gyre.Core.Errors;

namespace Gyre.Core.Channels;

/// <summary>
/// Resolves a channel name to its namespace options and validates it, with Centrifugo's rules: the namespace
/// is the text before the first boundary after an optional private prefix; <c>name#u1,u2</c> is user-limited.
/// </summary>
public sealed class ChannelRules
{
    private readonly ChannelsOptions _options;
    private readonly FrozenDictionary<string, ChannelOptions> _namespaces;

    /// <summary>Builds the lookup table once; namespaces are fixed for the node's lifetime.</summary>
    public ChannelRules(ChannelsOptions options)
    {
        _options = options;
        _namespaces = options.Namespaces.ToFrozenDictionary(n => n.Name, n => n.Options, StringComparer.Ordinal);
    }

    /// <summary>The options the rules were built from.</summary>
    public ChannelsOptions Options => _options;

    /// <summary>
    /// Finds the options of <paramref name="channel"/>'s namespace. Returns <see cref="ClientError.BadRequest"/> (107)
    /// for a name longer than <c>channel.max_length</c>, then <see cref="ClientError.UnknownChannel"/> (102) when the
    /// namespace is not configured, then 107 for a name that is not ASCII: Centrifugo's order.
    /// </summary>
    public ClientError? Resolve(string channel, out ChannelOptions options)
    {
        options = ChannelOptions.Default;
        if (channel.Length > _options.MaxLength)
        {
            return ClientError.BadRequest;
        }

        var name = channel.AsSpan();
        if (_options.PrivatePrefix.Length > 0 && name.StartsWith(_options.PrivatePrefix, StringComparison.Ordinal))
        {
            name = name[_options.PrivatePrefix.Length..];
        }

        var boundary = _options.NamespaceBoundary.Length > 0 ? name.IndexOf(_options.NamespaceBoundary, StringComparison.Ordinal) : -1;
        if (boundary < 0)
        {
            options = _options.WithoutNamespace;
        }
        else if (_namespaces.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(name[..boundary], out var found))
        {
            options = found;
        }
        else
        {
            return ClientError.UnknownChannel;
        }

        // Without channel_regex, Centrifugo admits only ASCII names; the namespace check comes first (102 before 107).
        return System.Text.Ascii.IsValid(channel) ? null : ClientError.BadRequest;
    }

    /// <summary>Whether the channel needs a subscription token (<c>channel.private_prefix</c>, <c>$</c> by default).</summary>
    public bool IsPrivate(string channel) =>
        _options.PrivatePrefix.Length > 0 && channel.StartsWith(_options.PrivatePrefix, StringComparison.Ordinal);

    /// <summary>
    /// Whether <paramref name="user"/> is listed in a user-limited channel (<c>dialog#42,43</c>). False for
    /// channels without the user boundary and for anonymous users.
    /// </summary>
    public bool IsUserLimitedFor(string channel, string user)
    {
        if (user.Length == 0 || _options.UserBoundary.Length == 0)
        {
            return false;
        }

        var at = channel.LastIndexOf(_options.UserBoundary, StringComparison.Ordinal);
        if (at < 0)
        {
            return false;
        }

        foreach (var range in channel.AsSpan(at + _options.UserBoundary.Length).Split(_options.UserSeparator))
        {
            if (channel.AsSpan(at + _options.UserBoundary.Length)[range].SequenceEqual(user))
            {
                return true;
            }
        }

        return false;
    }
}
