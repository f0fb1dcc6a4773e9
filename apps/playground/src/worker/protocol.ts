import type { BackendChoice } from '../backend-choices';
import type { CascadeInfo } from '../cascade-info';
import type { CascadeSource } from '../cascade-source';
import type { DownloadProgress } from '../progress-storage';
import type { SampleSettings, StageOutput, StagePreview } from '../sampling-controller';

/** The page → the sampling worker. Every request carries an id that its replies repeat. */
export type WorkerRequest =
  | { readonly type: 'start'; readonly id: number; readonly backend: BackendChoice }
  | { readonly type: 'load'; readonly id: number; readonly source: CascadeSource; readonly pageUrl: string }
  | { readonly type: 'sample'; readonly id: number; readonly settings: SampleSettings }
  | { readonly type: 'cancel'; readonly id: number };

/** One denoising step finished (sent for every step; previews are sent only as fast as they are read back). */
export interface StepEvent {
  readonly stage: number;
  readonly step: number;
  readonly totalSteps: number;
}

/** The sampling worker → the page. */
export type WorkerReply =
  | { readonly type: 'started'; readonly id: number; readonly backend: string; readonly device: string | undefined; readonly notice: string | undefined }
  | { readonly type: 'download'; readonly id: number; readonly progress: DownloadProgress }
  | { readonly type: 'loaded'; readonly id: number; readonly info: CascadeInfo; readonly label: string; readonly milliseconds: number }
  | { readonly type: 'step'; readonly id: number; readonly event: StepEvent }
  | { readonly type: 'preview'; readonly id: number; readonly preview: StagePreview }
  | { readonly type: 'stage'; readonly id: number; readonly output: StageOutput }
  | { readonly type: 'done'; readonly id: number; readonly timings: readonly number[] }
  | { readonly type: 'cancelled'; readonly id: number }
  | { readonly type: 'failed'; readonly id: number; readonly message: string };
