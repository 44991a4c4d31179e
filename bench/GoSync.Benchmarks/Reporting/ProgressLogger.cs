// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;
using BenchmarkDotNet.Loggers;

namespace GoSync.Benchmarks;

/// <summary>
/// The quick run's console output: one line per benchmark as it starts (counter, elapsed time, BenchmarkDotNet's
/// estimate of the finish), plus every error and warning. BenchmarkDotNet's full log still goes to its log file under
/// BenchmarkDotNet.Artifacts.
/// </summary>
public sealed class ProgressLogger : ILogger
{
    private const string BenchmarkPrefix = "// Benchmark: ";
    private const string RemainedPrefix = "// ** Remained ";

    private readonly TextWriter _out;
    private readonly StringBuilder _line = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private LogKind _lineKind = LogKind.Default;
    private string _eta = string.Empty;
    private int _started;

    public ProgressLogger(TextWriter output) => _out = output;

    public int Total { get; set; }

    public string Id => nameof(ProgressLogger);

    public int Priority => 0;

    public void Write(LogKind logKind, string text)
    {
        if (_line.Length == 0)
        {
            _lineKind = logKind;
        }

        _line.Append(text);
    }

    public void WriteLine() => EndLine();

    public void WriteLine(LogKind logKind, string text)
    {
        Write(logKind, text);
        EndLine();
    }

    public void Flush() => _out.Flush();

    private void EndLine()
    {
        string line = _line.ToString();
        LogKind kind = _lineKind;
        _line.Clear();
        _lineKind = LogKind.Default;

        if (line.StartsWith(BenchmarkPrefix, StringComparison.Ordinal))
        {
            // "// Benchmark: Type.Method: Job(...) [Threads=2]" -> "[ 12/284  0:41] Type.Method [Threads=2]  (eta)"
            string body = line[BenchmarkPrefix.Length..];
            int jobSep = body.IndexOf(": ", StringComparison.Ordinal);
            int paramStart = body.LastIndexOf(" [", StringComparison.Ordinal);
            string name = jobSep > 0 ? body[..jobSep] : body;
            string parameters = paramStart > 0 ? body[paramStart..] : string.Empty;
            _started++;
            TimeSpan elapsed = _clock.Elapsed;
            _out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[{_started,4}/{Total}  {(int)elapsed.TotalMinutes}:{elapsed.Seconds:00}] {name}{parameters}{_eta}"));
            _out.Flush();
        }
        else if (line.StartsWith(RemainedPrefix, StringComparison.Ordinal))
        {
            // "... Estimated finish 2026-11-21 12:34 (0h 3m from now) **" -> keep "(0h 3m from now)".
            int open = line.LastIndexOf('(');
            int close = line.LastIndexOf(')');
            _eta = open >= 0 && close > open ? "  " + line[open..(close + 1)] : string.Empty;
        }
        else if (kind is LogKind.Error or LogKind.Warning && line.Length > 0)
        {
            _out.WriteLine(line);
        }
    }
}
