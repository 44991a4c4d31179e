// Licensed under the MIT license. See LICENSE in the repository root.

using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace GoSync.Benchmarks;

/// <summary>The console form of every table the benchmark prints: columns padded to their widest cell, the first left-aligned, the others right-aligned two spaces apart.</summary>
public static class TextTable
{
    /// <summary>Appends <paramref name="lines"/> (the header first, all of one length) to <paramref name="text"/>, one line each.</summary>
    public static void Append(StringBuilder text, IReadOnlyList<string[]> lines)
    {
        int[] widths = Enumerable.Range(0, lines[0].Length).Select(c => lines.Max(l => l[c].Length)).ToArray();
        foreach (string[] line in lines)
        {
            for (int c = 0; c < line.Length; c++)
            {
                text.Append(c == 0 ? line[c].PadRight(widths[c]) : "  " + line[c].PadLeft(widths[c]));
            }

            text.AppendLine();
        }
    }
}
