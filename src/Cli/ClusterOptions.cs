using HashtagBench.Keys;
using System.CommandLine;
using HashtagBench.Provisioning;

namespace HashtagBench.Cli;

/// <summary>The cluster options every verb that talks to Redis shares: --cluster, --tls, --user, --password, --provider.</summary>
public sealed class ClusterOptions
{
    public Option<string?> Endpoint { get; } = new("--cluster") { Description = "Existing cluster endpoint host:port[,host:port] (e.g. an ElastiCache configuration endpoint). Omit to start a local cluster." };
    public Option<bool> Tls { get; } = new("--tls") { Description = "Use TLS to the existing cluster." };
    public Option<string?> User { get; } = new("--user") { Description = "ACL user name for the existing cluster." };
    public Option<string?> Password { get; } = new("--password") { Description = "Password for the existing cluster (or set REDIS_PASSWORD)." };
    public Option<string> Provider { get; } = new("--provider") { Description = "auto | local | testcontainers | external", DefaultValueFactory = _ => "auto" };

    public void AddTo(Command cmd)
    {
        cmd.Options.Add(Endpoint);
        cmd.Options.Add(Tls);
        cmd.Options.Add(User);
        cmd.Options.Add(Password);
        cmd.Options.Add(Provider);
    }

    /// <summary>The external endpoint, when --cluster was given.</summary>
    public ExternalEndpoint? External(ParseResult r)
    {
        string? ep = r.GetValue(Endpoint);
        return ep is null ? null : new ExternalEndpoint(ep, r.GetValue(Tls), r.GetValue(User),
            r.GetValue(Password) ?? Environment.GetEnvironmentVariable("REDIS_PASSWORD"));
    }

    /// <summary>Attaches to --cluster when given, else starts one with --provider.</summary>
    public Task<RunningCluster> StartAsync(ParseResult r, CancellationToken ct)
    {
        ExternalEndpoint? ext = External(r);
        ProviderKind kind = ext is not null ? ProviderKind.External : ClusterProvisioner.ParseKind(r.GetValue(Provider) ?? "auto");
        return ClusterProvisioner.StartAsync(kind, new ClusterSpec(), ext, msg => Console.Error.WriteLine(msg), ct);
    }
}
