export { deadLetterRecord, predictionRecord, toDeadLetter, toPrediction } from './record-routing.ts';
