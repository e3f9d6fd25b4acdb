// The collections here change process-wide environment variables (DOCKER_HOST, DOCKER_API_VERSION, REDIS_SERVER)
// and each starts real clusters on a small machine: they run one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
