namespace Cajal.Detection;

/// <summary>Chooses anchor boxes for a dataset by k-means on box shapes with the distance 1 − IoU, as YOLOv2 does.</summary>
/// <remarks>
/// Two shapes are compared centred on the same point, so IoU(a, b) = min(aw,bw)·min(ah,bh) / (aw·ah + bw·bh − that),
/// the same shape IoU the loss uses to pick the best anchor (spec section 4). Using 1 − IoU rather than Euclidean
/// distance keeps large boxes from dominating. The start is deterministic: the shapes sorted by area, taken at the
/// quantiles (i + ½)/k. Lloyd iterations (assign each shape to the nearest centre, move each centre to the mean of its
/// shapes) run until no assignment changes or for at most 100 rounds. An empty cluster keeps its centre.
/// </remarks>
public static class AnchorClustering
{
    /// <summary>The <paramref name="k"/> anchor shapes that cluster <paramref name="shapes"/>, sorted by ascending area.</summary>
    /// <param name="shapes">Box sizes (width, height), in any one unit (pixels for the loss); each side positive.</param>
    /// <param name="k">Number of anchors; at most the number of shapes.</param>
    public static (double Width, double Height)[] KMeans(IReadOnlyList<(double Width, double Height)> shapes, int k)
    {
        ArgumentNullException.ThrowIfNull(shapes);
        if (k < 1 || k > shapes.Count)
            throw new ArgumentException($"AnchorClustering.KMeans: k must be in [1, {shapes.Count}] (the number of shapes), got {k}.", nameof(k));
        for (int i = 0; i < shapes.Count; i++)
            if (!(shapes[i].Width > 0) || !(shapes[i].Height > 0) || !double.IsFinite(shapes[i].Width) || !double.IsFinite(shapes[i].Height))
                throw new ArgumentException($"AnchorClustering.KMeans: shape {i} is {shapes[i].Width}×{shapes[i].Height}; sides must be positive and finite.", nameof(shapes));

        var byArea = shapes.OrderBy(s => s.Width * s.Height).ToArray();
        var centres = new (double Width, double Height)[k];
        for (int c = 0; c < k; c++) centres[c] = byArea[(int)((c + 0.5) * byArea.Length / k)];
        var assignment = new int[shapes.Count];
        Array.Fill(assignment, -1);
        for (int round = 0; round < 100; round++)
        {
            bool changed = false;
            for (int i = 0; i < shapes.Count; i++)
            {
                int best = 0;
                for (int c = 1; c < k; c++)
                    if (Boxes.ShapeIou(shapes[i], centres[c]) > Boxes.ShapeIou(shapes[i], centres[best])) best = c;
                changed |= assignment[i] != best;
                assignment[i] = best;
            }
            if (!changed) break;
            for (int c = 0; c < k; c++)
            {
                double w = 0, h = 0;
                int members = 0;
                for (int i = 0; i < shapes.Count; i++)
                {
                    if (assignment[i] != c) continue;
                    w += shapes[i].Width;
                    h += shapes[i].Height;
                    members++;
                }
                if (members > 0) centres[c] = (w / members, h / members);
            }
        }
        return [.. centres.OrderBy(c => c.Width * c.Height)];
    }

    /// <summary>The mean over <paramref name="shapes"/> of the best shape IoU with any anchor (how well the anchors fit).</summary>
    public static double MeanBestIou(IReadOnlyList<(double Width, double Height)> shapes, IReadOnlyList<(double Width, double Height)> anchors)
    {
        ArgumentNullException.ThrowIfNull(shapes);
        ArgumentNullException.ThrowIfNull(anchors);
        if (shapes.Count == 0 || anchors.Count == 0)
            throw new ArgumentException($"AnchorClustering.MeanBestIou: needs shapes and anchors, got {shapes.Count} and {anchors.Count}.");
        return shapes.Average(s => anchors.Max(a => Boxes.ShapeIou(s, a)));
    }
}
