// Resolves the Apache Kafka jars that apache/pom.xml pins (once; cached after) and prints where
// they are, so CI shows the download on its own line instead of inside the first test's start-up.
import { ensureApacheKafkaJars } from '../src/index.js';

const jars = await ensureApacheKafkaJars((line) => console.log(line));
console.log(`Apache Kafka ${jars.version}: ${jars.dir}${jars.resolvedInMs === undefined ? ' (cached)' : ''}`);
