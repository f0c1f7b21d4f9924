namespace Gyre.LoadTest.Orchestration;

internal static class Runner
{
    public static Task<int> MainAsync(string[] args) => Task.FromResult(args.Length);
}
