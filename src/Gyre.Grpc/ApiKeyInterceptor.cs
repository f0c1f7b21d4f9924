using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Gyre.Grpc;

/// <summary>
/// <c>grpc_api.key</c>: every call carries metadata <c>authorization: apikey KEY</c>, compared in constant time
/// as a whole; a missing or wrong key is <c>UNAUTHENTICATED</c>. With no key configured every call passes,
/// as in Centrifugo (the server logs a warning at start).
/// </summary>
public sealed class ApiKeyInterceptor(GrpcApiOptions options) : Interceptor
{
    private readonly byte[] _expected = Encoding.UTF8.GetBytes("apikey " + options.Key);

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        if (options.Key.Length > 0)
        {
            var presented = Encoding.UTF8.GetBytes(context.RequestHeaders.GetValue("authorization") ?? "");
            if (!CryptographicOperations.FixedTimeEquals(presented, _expected))
            {
                throw new RpcException(new Status(StatusCode.Unauthenticated, "unauthenticated"));
            }
        }

        return continuation(request, context);
    }
}
