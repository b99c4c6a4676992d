package org.lmqt;

// The dependencies of the whole lib, for JBang: every script compiles lib/src through //SOURCES, and JBang honours
// //DEPS lines in sourced files. Keep in step with pom.xml.
//DEPS ai.djl:bom:0.35.1@pom
//DEPS com.fasterxml.jackson:jackson-bom:2.19.0@pom
//DEPS ai.djl:api
//DEPS ai.djl.pytorch:pytorch-engine
//DEPS ai.djl.pytorch:pytorch-jni:2.7.1-0.35.1
//DEPS ai.djl.pytorch:pytorch-native-cpu:2.7.1:linux-x86_64
//DEPS ai.djl.huggingface:tokenizers
//DEPS org.slf4j:slf4j-simple:2.0.17
//DEPS info.picocli:picocli:4.7.7
//DEPS tech.tablesaw:tablesaw-core:0.44.4
//DEPS tech.tablesaw:tablesaw-jsplot:0.44.4
//DEPS org.ojalgo:ojalgo:57.1.0
//DEPS org.apache.commons:commons-math3:3.6.1
//DEPS org.webjars.npm:plotly.js-dist:3.3.1
//DEPS io.airlift:aircompressor:0.27
//DEPS com.hubspot.jinjava:jinjava:2.8.2

/** Version information of lmqt. */
public final class Deps {
    /** lmqt's version, shown by every script's {@code --version}. */
    public static final String VERSION = "lmqt 0.1.0";

    private Deps() {}
}
