namespace Cajal.Detection;

/// <summary>Greedy per-class non-maximum suppression.</summary>
/// <remarks>
/// Detections are visited by descending score; ties keep their input order (a stable sort). A detection is kept unless a
/// kept detection of the same class overlaps it with IoU strictly greater than the threshold, as torchvision's
/// <c>batched_nms</c>: at IoU exactly equal to the threshold both stay. Boxes of different classes never suppress
/// each other. IoU is <see cref="Boxes.Iou(Box, Box)"/>.
/// </remarks>
public static class NonMaxSuppression
{
    /// <summary>The detections that survive suppression, sorted by descending score (ties in input order).</summary>
    /// <param name="detections">Detections of one image.</param>
    /// <param name="iouThreshold">Overlap above which the lower-scoring box of a class is dropped, in [0, 1].</param>
    /// <param name="maxDetections">Most detections returned (the best), or null for all survivors.</param>
    public static IReadOnlyList<DetectedBox> Apply(IReadOnlyList<DetectedBox> detections, double iouThreshold, int? maxDetections = null)
    {
        ArgumentNullException.ThrowIfNull(detections);
        if (!(iouThreshold >= 0 && iouThreshold <= 1))
            throw new ArgumentException($"NonMaxSuppression: iouThreshold must be in [0, 1], got {iouThreshold}.", nameof(iouThreshold));
        if (maxDetections is < 0)
            throw new ArgumentException($"NonMaxSuppression: maxDetections must be 0 or more, got {maxDetections}.", nameof(maxDetections));
        for (int k = 0; k < detections.Count; k++)
            if (double.IsNaN(detections[k].Score))
                throw new ArgumentException($"NonMaxSuppression: detection {k} has a NaN score.", nameof(detections));

        var kept = new List<DetectedBox>();
        int limit = maxDetections ?? int.MaxValue;
        foreach (var candidate in detections.OrderByDescending(d => d.Score))   // OrderBy is a stable sort
        {
            if (kept.Count >= limit) break;
            bool suppressed = false;
            foreach (var k in kept)
            {
                if (k.Class == candidate.Class && Boxes.Iou(k.Box, candidate.Box) > iouThreshold)
                {
                    suppressed = true;
                    break;
                }
            }
            if (!suppressed) kept.Add(candidate);
        }
        return kept;
    }
}
