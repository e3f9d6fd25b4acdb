using HashtagBench.Cli.Common;
using HashtagBench.Provisioning;
using StackExchange.Redis;
using System.CommandLine;

namespace HashtagBench.Cli;

/// <summary>
/// The cluster options every verb that talks to Redis shares, declared once: --cluster, --tls, --tls-ca, --user,
/// --password-file, --provider. The password comes from REDIS_PASSWORD or a file, never from the command line,
/// and is never printed: <see cref="ExternalEndpoint.ToString"/> leaves it out.
/// </summary>
internal sealed class ClusterOptions
{
    public const string PasswordVariable = "REDIS_PASSWORD";

    public Option<string?> Endpoint { get; } = new("--cluster") { Description = "Existing cluster host:port[,host:port] (e.g. an ElastiCache configuration endpoint). Omit to start a local cluster." };
    public Option<bool> Tls { get; } = new("--tls") { Description = "Use TLS to the existing cluster." };
    public Option<string?> TlsCa { get; } = new("--tls-ca") { Description = "PEM file of a private CA the cluster's certificate chains to (implies --tls)." };
    public Option<string?> User { get; } = new("--user") { Description = "ACL user name for the existing cluster." };
    public Option<string?> PasswordFile { get; } = new("--password-file") { Description = $"File holding the password for the existing cluster (or set {PasswordVariable})." };
    // Refused with a pointer to the safe ways: a password on a command line shows in ps, shell history and CI logs.
    private Option<string?> Password { get; } = new("--password") { Hidden = true };
    public Option<ProviderKind?> Provider { get; } = new Option<ProviderKind?>("--provider") { Description = "Which cluster to start: auto (containers when Docker works, else local processes), local or testcontainers; default auto, ignored with --cluster." }
        .Named(ClusterProvisioner.KindNames);

    /// <param name="endpointOnly">Verbs that only read a cluster someone gives them (keyslot, sim) never start one: no --provider.</param>
    public void AddTo(Command cmd, bool endpointOnly = false)
    {
        foreach (Option o in new Option[] { Endpoint, Tls, TlsCa, User, PasswordFile, Password }) cmd.Options.Add(o);
        if (!endpointOnly) cmd.Options.Add(Provider);
    }

    /// <summary>
    /// The external endpoint, when --cluster was given. A StackExchange.Redis configuration string is accepted and
    /// split: its endpoints stay in <see cref="ExternalEndpoint.Endpoints"/>; ssl, user and password move to their own
    /// fields, so the endpoint string that gets printed or passed on carries no secret.
    /// </summary>
    public ExternalEndpoint? External(ParseResult r)
    {
        if (r.GetValue(Password) is not null)
            throw new ArgumentException($"--password is not accepted (it would show in ps and shell history): set {PasswordVariable} or use --password-file.");
        string? given = r.GetValue(Endpoint);
        if (given is null) return null;
        if (string.IsNullOrWhiteSpace(given))
            throw new ArgumentException("--cluster is empty. Give host:port, e.g. --cluster my-cluster.xxxx.cache.amazonaws.com:6379.");
        ConfigurationOptions parsed;
        try { parsed = ConfigurationOptions.Parse(given, ignoreUnknown: false); }
        catch (ArgumentException) { throw new ArgumentException("--cluster is not host:port[,host:port] or a StackExchange.Redis configuration string."); }
        if (parsed.EndPoints.Count == 0) throw new ArgumentException("--cluster names no host:port.");

        string? password = parsed.Password;
        if (r.GetValue(PasswordFile) is { } file)
        {
            if (!File.Exists(file)) throw new FileNotFoundException($"--password-file {file} does not exist.");
            password = File.ReadAllText(file).TrimEnd('\r', '\n');
        }
        password ??= Environment.GetEnvironmentVariable(PasswordVariable) is { Length: > 0 } env ? env : null;
        string? ca = r.GetValue(TlsCa);
        if (ca is not null && !File.Exists(ca)) throw new FileNotFoundException($"--tls-ca {ca} does not exist.");
        string endpoints = string.Join(",", parsed.EndPoints.Select(ClusterConnector.Format));
        return new ExternalEndpoint(endpoints, r.GetValue(Tls) || parsed.Ssl || ca is not null, r.GetValue(User) ?? parsed.User, password, ca);
    }

    /// <summary>Which provider to use: External with --cluster, else --provider. A local cluster ignores REDIS_PASSWORD.</summary>
    public ProviderKind Kind(ParseResult r, ExternalEndpoint? external) =>
        external is not null ? ProviderKind.External : r.GetValue(Provider) ?? ProviderKind.Auto;

    /// <summary>Attaches to --cluster when given, else starts one with --provider. Provider messages go to stderr.</summary>
    public Task<RunningCluster> StartAsync(ParseResult r, CancellationToken ct)
    {
        ExternalEndpoint? ext = External(r);
        return ClusterProvisioner.StartAsync(Kind(r, ext), new ClusterSpec(), ext, msg => Console.Error.WriteLine(msg), ct);
    }
}
