// Training callbacks (`kiln.callbacks`).
export { Callback, CallbackList, History, type CallbackLike, type CallbackModel, type FitParams, type Logs } from './callback.js';
export { EarlyStopping, type EarlyStoppingArgs } from './early_stopping.js';
export { LearningRateScheduler } from './lr_scheduler.js';
export { ProgbarLogger, formatValue, formatLogs, formatBar, formatPerStep, formatEta, runningLine, finalLine, epochLine, type ProgressStream } from './progbar.js';
export { TensorBoard, type TensorBoardOptions } from './tensorboard.js';
export { TrainingPlot, type TrainingPlotOptions } from './plot.js';
