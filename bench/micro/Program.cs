using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(AspireAoai.Api.Micro.HotPathBenchmarks).Assembly).Run(args);
