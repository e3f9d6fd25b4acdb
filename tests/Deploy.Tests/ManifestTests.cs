using k8s;
using k8s.Models;

namespace HashtagBench.Deploy.Tests;

/// <summary>
/// deploy/k8s as Kubernetes would read it: every file loads through KubernetesClient's typed YAML loader (an unknown
/// kind or a misspelt field fails the load), and the fields the distributed run depends on are what it needs.
/// No cluster is involved: this is a schema check, not a deployment.
/// </summary>
public sealed class ManifestTests
{
    private static readonly string Root = FindRepoRoot();
    private static readonly string K8s = Path.Combine(Root, "deploy", "k8s");

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Bench.sln"))) return dir.FullName;
        throw new InvalidOperationException("Bench.sln not found above the test's folder.");
    }

    /// <summary>Strict: a field the typed model does not have (a misspelling) fails the load instead of being dropped.</summary>
    internal static List<object> Load(string yaml) => KubernetesYaml.LoadAllFromString(yaml, typeMap: null, strict: true);

    private static readonly Lazy<IReadOnlyList<object>> All = new(() =>
        Directory.GetFiles(K8s, "*.yaml").Order().SelectMany(f => Load(File.ReadAllText(f))).ToList());

    private static V1Job Job(string name) => All.Value.OfType<V1Job>().Single(j => j.Metadata.Name == name);
    private static V1Job Agents => Job("hashtag-bench-agents");
    private static V1Job Merge => Job("hashtag-bench-merge");

    private static V1EnvVar Env(V1Job job, string name) => job.Spec.Template.Spec.Containers.Single().Env.Single(e => e.Name == name);

    [Fact]
    public void Every_manifest_loads_as_a_typed_kubernetes_object()
    {
        string[] files = Directory.GetFiles(K8s, "*.yaml");
        Assert.NotEmpty(files);
        foreach (string f in files)
        {
            List<object> objects = Load(File.ReadAllText(f));
            Assert.NotEmpty(objects);
            Assert.All(objects, o => Assert.IsAssignableFrom<IKubernetesObject<V1ObjectMeta>>(o));
        }
        Assert.Single(All.Value.OfType<V1PersistentVolumeClaim>());
        Assert.Single(All.Value.OfType<V1ConfigMap>());
        Assert.Single(All.Value.OfType<V1Secret>());
    }

    [Fact]
    public void Agents_are_an_indexed_job_of_N_pods_each_told_its_index_and_N()
    {
        V1JobSpec spec = Agents.Spec;
        Assert.Equal("Indexed", spec.CompletionMode);
        Assert.NotNull(spec.Completions);
        Assert.Equal(spec.Completions, spec.Parallelism);
        Assert.Equal(spec.Completions.ToString(), Env(Agents, "AGENT_COUNT").Value);
        Assert.Equal("metadata.annotations['batch.kubernetes.io/job-completion-index']", Env(Agents, "AGENT_INDEX").ValueFrom.FieldRef.FieldPath);
        IList<string> args = Agents.Spec.Template.Spec.Containers.Single().Args;
        Assert.Equal("$(AGENT_INDEX)/$(AGENT_COUNT)", args[args.IndexOf("--agent") + 1]);
        Assert.Equal("$(START_AT)", args[args.IndexOf("--start-at") + 1]);
        Assert.Equal("$(RUN_ID)", args[args.IndexOf("--run-id") + 1]);
        // The start time and the run ID come from one field every agent reads.
        V1ConfigMap run = All.Value.OfType<V1ConfigMap>().Single();
        foreach (string field in new[] { "START_AT", "RUN_ID" })
        {
            Assert.Equal(run.Metadata.Name, Env(Agents, field).ValueFrom.ConfigMapKeyRef.Name);
            Assert.True(run.Data.ContainsKey(field), field);
        }
        Assert.EndsWith("Z", run.Data["START_AT"], StringComparison.Ordinal);
    }

    [Fact]
    public void The_password_comes_from_the_secret_as_an_environment_variable_never_an_argument()
    {
        V1Secret secret = All.Value.OfType<V1Secret>().Single();
        foreach (V1Job job in new[] { Agents, Merge })
        {
            V1EnvVar password = Env(job, "REDIS_PASSWORD"); // what ClusterOptions reads
            Assert.Null(password.Value);
            Assert.Equal(secret.Metadata.Name, password.ValueFrom.SecretKeyRef.Name);
            Assert.True(secret.StringData.ContainsKey(password.ValueFrom.SecretKeyRef.Key));
            V1Container c = job.Spec.Template.Spec.Containers.Single();
            IEnumerable<string> line = (c.Command ?? []).Concat(c.Args ?? []);
            Assert.DoesNotContain(line, a => a.Contains("password", StringComparison.OrdinalIgnoreCase));
            Assert.DoesNotContain(line, a => a.Contains(secret.StringData["password"], StringComparison.Ordinal));
            Assert.All(c.Env.Where(e => e.Value is not null), e => Assert.DoesNotContain(secret.StringData["password"], e.Value));
        }
    }

    [Fact]
    public void Agents_and_merge_mount_the_one_results_volume_at_the_same_path()
    {
        V1PersistentVolumeClaim pvc = All.Value.OfType<V1PersistentVolumeClaim>().Single();
        Assert.Contains("ReadWriteMany", pvc.Spec.AccessModes); // agents on several nodes write at once
        var mounts = new[] { Agents, Merge }.Select(job =>
        {
            V1Volume volume = job.Spec.Template.Spec.Volumes.Single(v => v.PersistentVolumeClaim?.ClaimName == pvc.Metadata.Name);
            return job.Spec.Template.Spec.Containers.Single().VolumeMounts.Single(m => m.Name == volume.Name).MountPath;
        }).ToList();
        Assert.Single(mounts.Distinct());
        IList<string> args = Agents.Spec.Template.Spec.Containers.Single().Args;
        Assert.StartsWith(mounts[0] + "/", args[args.IndexOf("--out") + 1], StringComparison.Ordinal);
        Assert.Contains($"load merge {mounts[0]}/", string.Join(' ', Merge.Spec.Template.Spec.Containers.Single().Args));
    }

    [Fact]
    public void Both_jobs_run_the_image_built_from_the_repo_and_never_retry_a_slice()
    {
        string dockerfile = File.ReadAllText(Path.Combine(Root, "Dockerfile"));
        Assert.Contains("FROM mcr.microsoft.com/dotnet/sdk:", dockerfile);
        Assert.Contains("FROM mcr.microsoft.com/dotnet/runtime:", dockerfile);
        Assert.Contains("dotnet publish src/Cli/Cli.csproj", dockerfile);
        Assert.Contains("ENTRYPOINT [\"dotnet\", \"/app/hashtag-bench.dll\"]", dockerfile);
        // Every project the CLI needs is copied for the restore layer.
        foreach (string csproj in Directory.GetFiles(Path.Combine(Root, "src"), "*.csproj", SearchOption.AllDirectories))
            Assert.Contains($"COPY {Path.GetRelativePath(Root, csproj).Replace('\\', '/')} ", dockerfile);
        Assert.Equal(Agents.Spec.Template.Spec.Containers.Single().Image, Merge.Spec.Template.Spec.Containers.Single().Image);
        Assert.Equal(0, Agents.Spec.BackoffLimit); // a retried agent would start its slice late
        Assert.Equal("Never", Agents.Spec.Template.Spec.RestartPolicy);
    }
}

/// <summary>The loader is strict: a check that passes on any text would prove nothing.</summary>
public sealed class LoaderStrictnessTests
{
    [Fact]
    public void A_misspelt_field_or_unknown_kind_fails_the_load()
    {
        const string misspelt = "apiVersion: batch/v1\nkind: Job\nmetadata: { name: x }\nspec:\n  completionMod: Indexed\n";
        Assert.ThrowsAny<Exception>(() => ManifestTests.Load(misspelt));
        const string unknownKind = "apiVersion: batch/v1\nkind: Jobb\nmetadata: { name: x }\n";
        Assert.ThrowsAny<Exception>(() => ManifestTests.Load(unknownKind));
    }
}
