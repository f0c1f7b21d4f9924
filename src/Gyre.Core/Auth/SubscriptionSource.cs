namespace Gyre.Core.Auth;

/// <summary>
/// Where a subscription came from. A refreshed connection token is compared with the subscriptions its predecessor
/// created (<see cref="ConnectionToken"/>): if they differ, the connection closes with 3010 and reconnects with the
/// new set, as Centrifugo does.
/// </summary>
internal enum SubscriptionSource
{
    /// <summary>A client <c>subscribe</c> command.</summary>
    Client,

    /// <summary>The connection token's <c>channels</c> or <c>subs</c> claim.</summary>
    ConnectionToken,

    /// <summary><c>client.subscribe_to_user_personal_channel</c>.</summary>
    UserPersonal,

    /// <summary>A channel the client listed in its connect request that the namespace lets it subscribe to.</summary>
    ConnectRequest,

    /// <summary>The server API.</summary>
    ServerApi,
}
