using System.Buffers.Text;
using System.CommandLine;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Gyre.Server.Configuration;

namespace Gyre.Server.Cli;

public static partial class GyreCli
{
    /// <summary>Random bytes behind the token secret, admin secret and API key: 512 bits, 86 base64url characters.</summary>
    private const int SecretBytes = 64;

    /// <summary>Random bytes behind the admin password: 128 bits, 22 base64url characters.</summary>
    private const int PasswordBytes = 16;

    /// <summary>Centrifugo's <c>genconfig</c> content, with fresh random secrets (base64url without padding).</summary>
    internal static JsonObject MinimalConfig() => new()
    {
        ["client"] = new JsonObject
        {
            ["token"] = new JsonObject { ["hmac_secret_key"] = NewSecret(SecretBytes) },
            ["allowed_origins"] = new JsonArray(),
        },
        ["admin"] = new JsonObject
        {
            ["enabled"] = false,
            ["password"] = NewSecret(PasswordBytes),
            ["secret"] = NewSecret(SecretBytes),
        },
        ["http_api"] = new JsonObject { ["key"] = NewSecret(SecretBytes) },
    };

    private static string NewSecret(int bytes) => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(bytes));

    private static Command GenConfigCommand(CliContext context)
    {
        var config = ConfigOption("path to output config file (json, toml, yaml or yml)");
        var command = new Command("genconfig", "Generate minimal configuration file to start with") { config };
        command.SetAction(parseResult => Guard(context, () =>
        {
            var path = parseResult.GetValue(config) ?? ConfigLoader.DefaultConfigFile;
            if (File.Exists(path))
            {
                return Fail(context, $"output config file already exists: {path}");
            }
            if (!ConfigFileFormats.TryFromPath(path, out var format))
            {
                return Fail(context, $"output config file must have one of supported extensions: {ConfigFileFormats.SupportedExtensions}");
            }
            if (!TryWriteNewFile(path, ConfigWriter.Serialize(MinimalConfig(), format)))
            {
                return Fail(context, $"output config file already exists: {path}");
            }
            try
            {
                ConfigLoader.Load(new ConfigSources { ExplicitPath = path, Environment = context.ReadEnvironment() });
            }
            catch (ConfigException)
            {
                // As Centrifugo does: do not leave behind a file the server would refuse.
                File.Delete(path);
                throw;
            }
            return 0;
        }));
        return command;
    }
}
