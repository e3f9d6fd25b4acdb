# The hashtag-bench CLI as a container image, for load agents on Kubernetes (deploy/k8s). Multi-stage: the SDK
# publishes, the runtime image runs. Build from the repo root:  docker build -t hashtag-bench .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore first, from the project files alone, so a source change does not re-download packages.
COPY Directory.Build.props Directory.Packages.props ./
COPY src/Keys/Keys.csproj src/Keys/
COPY src/Contracts/Contracts.csproj src/Contracts/
COPY src/WaitingRoom/WaitingRoom.csproj src/WaitingRoom/
COPY src/Enqueue/Enqueue.csproj src/Enqueue/
COPY src/Provisioning/Provisioning.csproj src/Provisioning/
COPY src/ClusterSim/ClusterSim.csproj src/ClusterSim/
COPY src/Charts/Charts.csproj src/Charts/
COPY src/Reporting/Reporting.csproj src/Reporting/
COPY src/Statistics/Statistics.csproj src/Statistics/
COPY src/Load/Load.csproj src/Load/
COPY src/Cli/Cli.csproj src/Cli/
RUN dotnet restore src/Cli/Cli.csproj
COPY src/ src/
RUN dotnet publish src/Cli/Cli.csproj -c Release --no-restore -o /app

FROM mcr.microsoft.com/dotnet/runtime:10.0
# Charts are drawn with SkiaSharp (ScottPlot), which needs fontconfig.
RUN apt-get update && apt-get install -y --no-install-recommends libfontconfig1 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app .
# The runtime images' unprivileged user.
USER app
ENTRYPOINT ["dotnet", "/app/hashtag-bench.dll"]
