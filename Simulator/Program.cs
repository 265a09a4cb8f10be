using AspireAoai.Simulator;

SimulatorApp.Build(args).Run();
