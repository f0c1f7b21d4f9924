using System.Collections.Frozen;
using System.Text.RegularExpressions;
using Gyre.Core.Errors;

namespace Gyre.Core.Channels;

/// <summary>
/// Resolves a channel name to its namespace options and validates it, with Centrifugo's rules: the namespace
/// is the text before the first boundary after an optional private prefix; <c>name#u1,u2</c> is user-limited.
/// </summary>
public sealed class ChannelRules
{
    /// <summary>
    /// Channel names come from clients: the non-backtracking engine keeps <c>channel_regex</c> linear-time on any input,
    /// as Go's RE2 is in Centrifugo.
    /// </summary>
    private const RegexOptions RegexFlags = RegexOptions.NonBacktracking | RegexOptions.CultureInvariant;

    private readonly ChannelsOptions _options;
    private readonly FrozenDictionary<string, ChannelOptions> _namespaces;
    private readonly FrozenDictionary<ChannelOptions, Regex> _regexes;

    /// <summary>Builds the lookup table once; namespaces are fixed for the node's lifetime.</summary>
    /// <exception cref="ArgumentException">A <c>channel_regex</c> does not compile.</exception>
    public ChannelRules(ChannelsOptions options)
    {
        _options = options;
        _namespaces = options.Namespaces.ToFrozenDictionary(n => n.Name, n => n.Options, StringComparer.Ordinal);
        var regexes = new Dictionary<ChannelOptions, Regex>(ReferenceEqualityComparer.Instance);
        foreach (var channelOptions in options.Namespaces.Select(n => n.Options).Append(options.WithoutNamespace))
        {
            if (channelOptions.ChannelRegex.Length > 0)
            {
                regexes.TryAdd(channelOptions, CompileRegex(channelOptions.ChannelRegex));
            }
        }

        _regexes = regexes.ToFrozenDictionary(ReferenceEqualityComparer.Instance);
    }

    /// <summary>The options the rules were built from.</summary>
    public ChannelsOptions Options => _options;

    /// <summary>Compiles a <c>channel_regex</c> as the rules will use it (Go's <c>(?P&lt;name&gt;…)</c> groups accepted).</summary>
    /// <exception cref="ArgumentException">The pattern does not compile.</exception>
    public static Regex CompileRegex(string pattern)
    {
        try
        {
            return new Regex(pattern.Replace("(?P<", "(?<", StringComparison.Ordinal), RegexFlags);
        }
        catch (NotSupportedException e)
        {
            throw new ArgumentException(e.Message, nameof(pattern), e);
        }
    }

    /// <summary>
    /// Finds the options of <paramref name="channel"/>'s namespace. Returns <see cref="ClientError.BadRequest"/> (107)
    /// for a name longer than <c>channel.max_length</c>, then <see cref="ClientError.UnknownChannel"/> (102) when the
    /// namespace is not configured, then 107 for a name that does not match the namespace's <c>channel_regex</c> (or,
    /// without one, is not ASCII): Centrifugo's order.
    /// </summary>
    public ClientError? Resolve(string channel, out ChannelOptions options)
    {
        options = ChannelOptions.Default;
        if (channel.Length > _options.MaxLength)
        {
            return ClientError.BadRequest;
        }

        if (!TryGetOptions(channel, out options, out var rest))
        {
            return ClientError.UnknownChannel;
        }

        return IsValidName(channel, rest, options) ? null : ClientError.BadRequest;
    }

    /// <summary>
    /// The namespace options of <paramref name="channel"/> without validating its name, as Centrifugo resolves
    /// channels a token or the server grants. False when the namespace is not configured.
    /// </summary>
    public bool TryGetOptions(string channel, out ChannelOptions options) => TryGetOptions(channel, out options, out _);

    /// <summary>Whether the channel name passes its namespace's <c>channel_regex</c> (or, without one, is ASCII).</summary>
    public bool IsValidName(string channel, ChannelOptions options)
    {
        TryGetOptions(channel, out _, out var rest);
        return IsValidName(channel, rest, options);
    }

    /// <summary>Whether the channel needs a subscription token (<c>channel.private_prefix</c>, <c>$</c> by default).</summary>
    public bool IsPrivate(string channel) =>
        _options.PrivatePrefix.Length > 0 && channel.StartsWith(_options.PrivatePrefix, StringComparison.Ordinal);

    /// <summary>Whether the name contains the user boundary (<c>#</c>), which makes it user-limited where the namespace allows that.</summary>
    public bool IsUserLimited(string channel) =>
        _options.UserBoundary.Length > 0 && channel.Contains(_options.UserBoundary, StringComparison.Ordinal);

    /// <summary>
    /// The user's personal channel: <c>&lt;namespace&gt;&lt;namespace_boundary&gt;&lt;user_boundary&gt;&lt;user&gt;</c>, or
    /// <c>&lt;user_boundary&gt;&lt;user&gt;</c> when <paramref name="personalNamespace"/> is empty.
    /// </summary>
    public string PersonalChannel(string personalNamespace, string user) => personalNamespace.Length == 0
        ? _options.UserBoundary + user
        : personalNamespace + _options.NamespaceBoundary + _options.UserBoundary + user;

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

        var users = channel.AsSpan(at + _options.UserBoundary.Length);
        if (_options.UserSeparator.Length == 0)
        {
            return users.SequenceEqual(user);
        }

        foreach (var range in users.Split(_options.UserSeparator))
        {
            if (users[range].SequenceEqual(user))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Centrifugo's <c>namespaceName</c>: the namespace options and the rest of the name after the boundary.</summary>
    private bool TryGetOptions(string channel, out ChannelOptions options, out ReadOnlySpan<char> rest)
    {
        var name = channel.AsSpan();
        if (_options.PrivatePrefix.Length > 0 && name.StartsWith(_options.PrivatePrefix, StringComparison.Ordinal))
        {
            name = name[_options.PrivatePrefix.Length..];
        }

        var boundary = _options.NamespaceBoundary.Length > 0 ? name.IndexOf(_options.NamespaceBoundary, StringComparison.Ordinal) : -1;
        if (boundary < 0)
        {
            // Without a namespace, the regex sees the whole channel, private prefix included.
            options = _options.WithoutNamespace;
            rest = channel;
            return true;
        }

        rest = name[(boundary + _options.NamespaceBoundary.Length)..];
        if (_namespaces.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(name[..boundary], out var found))
        {
            options = found;
            return true;
        }

        options = ChannelOptions.Default;
        return false;
    }

    private bool IsValidName(string channel, ReadOnlySpan<char> rest, ChannelOptions options) =>
        options.ChannelRegex.Length == 0
            ? System.Text.Ascii.IsValid(channel)
            : (_regexes.TryGetValue(options, out var regex) ? regex : CompileRegex(options.ChannelRegex)).IsMatch(rest);
}
