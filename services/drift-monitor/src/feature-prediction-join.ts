import type { FeatureVector, Prediction } from '@tidewater/schemas';

type Features = FeatureVector['features'];

/**
 * Pairs each prediction with the feature vector it scored, by event_id. The two arrive on
 * different topics at different times, so whichever comes first waits here, up to `capacity`
 * entries per side; past that the oldest waiting entry is evicted and counted (never silently).
 */
export class FeaturePredictionJoin {
  private readonly features = new Map<string, Features>();
  private readonly predictions = new Map<string, Prediction>();

  constructor(
    private readonly capacity: number,
    private readonly onEvict: (side: 'features' | 'prediction') => void,
  ) {}

  /** Adds a feature vector; returns the pair when its prediction was already waiting. */
  addFeatures(v: FeatureVector): { features: Features; prediction: Prediction } | undefined {
    const p = this.predictions.get(v.event_id);
    if (p) {
      this.predictions.delete(v.event_id);
      return { features: v.features, prediction: p };
    }
    this.put(this.features, v.event_id, v.features, 'features');
    return undefined;
  }

  /** Adds a prediction; returns the pair when its features were already waiting. */
  addPrediction(p: Prediction): { features: Features; prediction: Prediction } | undefined {
    const f = this.features.get(p.event_id);
    if (f) {
      this.features.delete(p.event_id);
      return { features: f, prediction: p };
    }
    this.put(this.predictions, p.event_id, p, 'prediction');
    return undefined;
  }

  get waiting(): number {
    return this.features.size + this.predictions.size;
  }

  private put<V>(map: Map<string, V>, key: string, value: V, side: 'features' | 'prediction'): void {
    map.set(key, value);
    if (map.size > this.capacity) {
      const oldest = map.keys().next().value as string;
      map.delete(oldest);
      this.onEvict(side);
    }
  }
}
