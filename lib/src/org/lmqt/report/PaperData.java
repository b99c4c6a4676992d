package org.lmqt.report;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.lmqt.cli.UserException;
import org.lmqt.io.AtomicFiles;

/**
 * The original toolkit's archived experiment data (MIT licence), fetched from GitHub at a pinned commit into a
 * folder laid out as in that repository ({@code data-vis/data/...}, {@code src/data/...}), and checked against
 * SHA-256 sums recorded here. Only the files of {@link #MANIFEST} are kept from the source archive.
 */
public final class PaperData {
    /** The repository and commit (spec section 0; the full hash was not available to us, GitHub resolves the short one). */
    public static final String REPOSITORY = "schnell18/lm-quant-toolkit";
    public static final String COMMIT = "44f5f2e";
    /** The source archive of that commit. */
    public static final String URL = "https://codeload.github.com/" + REPOSITORY + "/tar.gz/" + COMMIT;

    /** {@code sha256  path} per file, paths relative to the repository root. */
    public static final String MANIFEST = """
            93d4dcc58685779c148c871ebb820423e392c6933766f803f26e75ccf086bbf7  LICENSE
            97314fc4079f118d62a3aaa7dc7586e196584a8b3ffe988a5c19a78c7c61a018  data-vis/data/allot/mxq/kurt-scaled/quant-cfg-allot-kurt-scaled.csv
            1f157d740724e85beb24824d8effd28666b241997b120436f4df90070a0e7d77  data-vis/data/allot/mxq/mxq1/quant-cfg-allot-mxq1.csv
            1f157d740724e85beb24824d8effd28666b241997b120436f4df90070a0e7d77  data-vis/data/allot/mxq/mxq2/quant-cfg-allot-mxq1.csv
            84ab1dfd1b3565355059523651cea57bab0fa8626502c90632997f1c34588cc1  data-vis/data/allot/quant-cfg-allot-hqq.csv
            1110e6268ad53ac64d203276a2045160102a070012a90222b07524a8c072757e  data-vis/data/combined.csv
            e8163a25ddf713c6a53f6006397aec1e52d0b389b2ea241048b11418a51b5d47  data-vis/data/fnorm/fnorm-Llama-2-13b-hf.csv
            93049007c74709e806713dc8214d4b975b2724129aac1e567619b3501b12e395  data-vis/data/fnorm/fnorm-Llama-2-70b-hf.csv
            11b6ba3c8bc088dfb09dbe7a334dc25bf2a15c8ee3f0f312d3c1d083a6273781  data-vis/data/fnorm/fnorm-Llama-2-7b-hf.csv
            9648cada7ca38ddd35809223f6dfde956ea9262822b06cde2ca80f7676be14bc  data-vis/data/fnorm/fnorm-Llama-3-70B.csv
            1de2f1759e65ed126fb4865cba0338038b337aee01361594d8ba4052750f1e86  data-vis/data/fnorm/fnorm-Meta-Llama-3-8B.csv
            3dcf50f7bf9e4c3c498296269598b72a81ea026ba576b0f4073aaf4b96fb8200  data-vis/data/fnorm/fnorm-Meta-Llama-3.1-405B-Instruct.csv
            3b2d8e8dfdec2926c477bdc623790a98dacb0712a10017340b66032467b8fb8b  data-vis/data/llama-mxq-cfgs.csv
            a3ce37c2831a8d96ac17314414eaae2a79207a8e11674693b335cb3209be0533  data-vis/data/llama-sensitivity.csv
            0adfa8bccad17ebc34f67dfde286d5be71dbd1f82467a6e0c0fe81b9d65ad9ca  data-vis/data/mistral-sensi.csv
            5b72a4bfe5c32b252818e67fcc83b432d943dc6006c46ad8edbb946c03ea2a86  data-vis/data/mxq-objectives.csv
            580c6e5094ddc260b57dba7caf6b5a2064061a0ab1647e12bfd5c26adebaf5f7  data-vis/data/ppl/mxq/kurt-scaled/result-kurt-scaled-dense-3bit_ppl-20241105175732.csv
            19a7e17752cb5ed48ab19e35dbb49def62674c20f324546c77101df2cb442dae  data-vis/data/ppl/mxq/kurt-scaled/result-kurt-scaled-dense-4bit_ppl-20241112064636.csv
            dffd06ccc5c286aedf31803c7b88a9cf1eec426bcd0d4d4e731b67a7473151fb  data-vis/data/ppl/mxq/kurt-scaled/result-kurt-scaled-dense-5bit_ppl-20241111090115.csv
            f10af0f4c9127692b4c75ca9b93195c2a986b5ecea50c87fc5d2576ad3ffb05e  data-vis/data/ppl/mxq/mxq1/result-eval_ppl-8bit-mxq-20241018132451.csv
            4e0170562151994849177d5598ec9376d4238257e696cb70b1157d2ab1538a3f  data-vis/data/ppl/mxq/mxq1/result-eval_ppl-8bit-mxq-20241018150829.csv
            b7f2d920e01ba6a7653769f59a5f9fac25054fdace44378138b48e55f8a0ba3e  data-vis/data/ppl/mxq/mxq1/result-eval_ppl_2bit_dense1-mxq-20241005203511.csv
            02502190554ddad2464a9b82e4f2e120fb8b113cc546adf68bd8cbf84aca88cf  data-vis/data/ppl/mxq/mxq1/result-eval_ppl_3bit_dense1-mxq-20241004230914.csv
            6f0fa63db21dd96e66609fdcd901865890990f9b28d34c9eab43150b33d894f5  data-vis/data/ppl/mxq/mxq1/result-eval_ppl_4bit_dense1-mxq-20241004122326.csv
            325d4d372eae0ee22839f72808352eb6450785dacede67be814920b0b28bce2f  data-vis/data/ppl/mxq/mxq1/result-eval_ppl_567bit_dense1-mxq-20241015181220.csv
            dfb02173637eba819c5eb49ea95cdb79ddcb7daaad650ad46f24980c3c3b172a  data-vis/data/ppl/mxq/mxq1/result-eval_ppl_gap_6bit_dense1-mxq-20241021164747.csv
            baf08072464cbcb98fcfd39d992dc7bfc58883253d204d66d53b2206f1d64282  data-vis/data/ppl/mxq/mxq1/result-eval_ppl_gap_bits_dense1-mxq-20241018092711.csv
            4c9c8a8e161d026bf9277510166b612cf6e21940579a8e2f8a9a584b5ec90d90  data-vis/data/ppl/mxq/mxq2/result-3bit-redo-dense-3bit_ppl-20241230214029.csv
            f10af0f4c9127692b4c75ca9b93195c2a986b5ecea50c87fc5d2576ad3ffb05e  data-vis/data/ppl/mxq/mxq2/result-eval_ppl-8bit-mxq-20241018132451.csv
            b7f2d920e01ba6a7653769f59a5f9fac25054fdace44378138b48e55f8a0ba3e  data-vis/data/ppl/mxq/mxq2/result-eval_ppl_2bit_dense1-mxq-20241005203511.csv
            6f0fa63db21dd96e66609fdcd901865890990f9b28d34c9eab43150b33d894f5  data-vis/data/ppl/mxq/mxq2/result-eval_ppl_4bit_dense1-mxq-20241004122326.csv
            325d4d372eae0ee22839f72808352eb6450785dacede67be814920b0b28bce2f  data-vis/data/ppl/mxq/mxq2/result-eval_ppl_567bit_dense1-mxq-20241015181220.csv
            dfb02173637eba819c5eb49ea95cdb79ddcb7daaad650ad46f24980c3c3b172a  data-vis/data/ppl/mxq/mxq2/result-eval_ppl_gap_6bit_dense1-mxq-20241021164747.csv
            a60f27d31a688af7ae37f414451d2420e7ab3d61d0a459a9c4aa9b24d2e8b16f  data-vis/data/ppl/mxq/mxq2/result-eval_ppl_gap_bits_dense1-mxq-20241018092711.csv
            f7d0b465b4492aeb55c32ec82b22f6ecaf0a52da881367dbcb55dff9a0727189  data-vis/data/ppl/result-eval_ppl-8bit-gptq-20241020062159.csv
            9caf85fc4e93bbf77cb23268b7e24c905bff8fd79874346e20803f2ccb9dc167  data-vis/data/ppl/result-eval_ppl-bnb2-20241022221222.csv
            d1a257b4f3524098f1a2c0b7d2d0a14b88e02ce1a3f952c20118a252ba4b935d  data-vis/data/ppl/result-eval_ppl_awq-13b.csv
            22fdd650571ce47167a2450d9491f0fcca8ad633c6192ca56257b80ef25f32df  data-vis/data/ppl/result-eval_ppl_fp16-20240912121710.csv
            708ec3e7b00f9c11b190a8e3976094f4b4de8b81254fe397149968477a5d9235  data-vis/data/ppl/result-eval_ppl_gptq-20240912232322.csv
            65371c8fa7f8144b2a3037c1aa279f57a1b4be7c7bf88b224c9a51bf1af8ddf8  data-vis/data/ppl/result-eval_ppl_llama-b4-awq-20240924015634.csv
            0c0e53f6727275b44281822a7350e02b76ddd0859ac41f946b252e8100a3a545  data-vis/data/ppl/result-hqq-baseline_ppl-20241222175852.csv
            15d918faac42dfaf1d01d497a9433e5184758bac9dd08371e960d75e4c184e6a  data-vis/data/qnt-mtd-sensi.csv
            1f7c70fe70c434d361ab6daada24179c74c7446e216c735cc413ba744d8fb49e  data-vis/data/qnt/mxq/mxq1/result-quant_llm_3bit_dense1-mxq-20241004133334.csv
            9dc234c363eacee191895154ec1cca3cd240d5b0e7e33007500897c9d6889666  data-vis/data/qnt/mxq/mxq1/result-quant_llm_4bit_dense1-mxq-20241003204414.csv
            ca90a481e7acda934449d0e443f29a42c893ab823364d46561f1757c87c22bc7  data-vis/data/qnt/result-quant_awq-20240914000139.csv
            6aec3f959eef2287eede786118470e75e0d032f13b4a1d7fe298b3bd76611d09  data-vis/data/qnt/result-quant_gptq-20240908183702.csv
            0d2492931c5bfd42753bb8f62b1f00d8c4719c909f47faae9a1075642357599b  data-vis/data/qnt/result-quant_hqq-20240908203349.csv
            b27a4368181acb5563702e045e79575b89e7b0747e93abd916a1c07fbee9772d  data-vis/data/qnt/result-quant_llm-8bit-gptq-20241020031331.csv
            0232e3fd1e097ab3350f6bfe633ccb7843f557744ada412726404b2af9f03e7b  data-vis/data/qnt/result-quant_llm_13B-awq2-20241021095905.csv
            e82819663311d42c106164da78233b4f1636066e373cba03b44646ac0d7cb8c2  data-vis/data/quant-cfg-allocation.csv
            76cd801b00d0e9b2e95ae44c476e3c6922c2e23f6c2b1311739d858164a76366  data-vis/data/qwen25-sensi.csv
            0aa78a6373ba4b720d3fba6763de6aebb1e7f8d9a391089ed5c3229b85fdbe2b  data-vis/data/stor/mxq/kurt-scaled/result-kurt-scaled-dense-3bit_stor-20241105181735.csv
            32541de1a77fa46dd5df36ae953a0e8cb7bf0bd8fe0e6a64986c4f10d61dcc08  data-vis/data/stor/mxq/kurt-scaled/result-kurt-scaled-dense-4bit_stor-20241107212024.csv
            20df6f7de23086e4b904f28ab75e04192c3f78e604e7de713149375b3ecec3a9  data-vis/data/stor/mxq/kurt-scaled/result-kurt-scaled-dense-4bit_stor-20241112084712.csv
            a3c357e1e0570fda91149243bc036edb0a35e2496f2b14b29fa3bb303dbbae34  data-vis/data/stor/mxq/kurt-scaled/result-kurt-scaled-dense-5bit_stor-20241108150909.csv
            8bb0b69a8d8862a9ac08a7c42488686330f62d56a58c2cb85a820f6e78dbccef  data-vis/data/stor/mxq/kurt-scaled/result-kurt-scaled-dense-6bit_stor-20241109025643.csv
            218d2a2987755edcaf1af59b25f9aa152a3ee3523c387795ba8a771efc708557  data-vis/data/stor/mxq/kurt-scaled/result-kurt-scaled-dense-78bit_stor-20241109122934.csv
            cc95dbe82543c864992ac4768025a310c4793f2367996de1ec353a143943198d  data-vis/data/stor/mxq/mxq1/result-eval_model_mxq-misc.csv
            193554beb03749251422010614b44b29a4156b6be03a7f4084383bd3fe9cbb82  data-vis/data/stor/mxq/mxq1/result-eval_model_stor_4bit-mxq-20241023011643.csv
            b40a027c4f7010bb84eb6124e40a037efcd922bc279a5956d7fb4caf21b9b716  data-vis/data/stor/mxq/mxq1/result-eval_model_stor_b4-mxq-20240929233722.csv
            572079048a615b2ede13ab10e91c08d998d9d683b20c99619631371c4cac77a7  data-vis/data/stor/mxq/mxq1/result-eval_model_stor_dense-6bit-gap-mxq-20241021182655.csv
            5e15632e788a4800bfd51d6da404160e7330d7f1361c5acd28114bd98a3fb3ce  data-vis/data/stor/mxq/mxq1/result-eval_model_stor_dense2-mxq-20241019183814.csv
            fb8bd760a551483fa2fa1d78f63e6ac253c4fc42b02d65c220e5b7d5125880e5  data-vis/data/stor/mxq/mxq2/result-3bit-redo-dense-3bit_stor-20241230215529.csv
            2916eab5ab982e83c472da2dfb159fbe3a3bca1ae7fb42e8d03bf8e5d06824d1  data-vis/data/stor/mxq/mxq2/result-eval_model_mxq-misc.csv
            193554beb03749251422010614b44b29a4156b6be03a7f4084383bd3fe9cbb82  data-vis/data/stor/mxq/mxq2/result-eval_model_stor_4bit-mxq-20241023011643.csv
            3113f180f48f5c9aa70bcb12f9b33cd126e4ac309d19e4f4a6ec738d2a3504e7  data-vis/data/stor/mxq/mxq2/result-eval_model_stor_b4-mxq-20240929233722.csv
            572079048a615b2ede13ab10e91c08d998d9d683b20c99619631371c4cac77a7  data-vis/data/stor/mxq/mxq2/result-eval_model_stor_dense-6bit-gap-mxq-20241021182655.csv
            f457425710982b869b341fe8c014404d267ce48609f49fd5a82d42d6fb334ada  data-vis/data/stor/mxq/mxq2/result-eval_model_stor_dense2-mxq-20241019183814.csv
            61972ae50a0db931764659ba29cb678bb5c0cecfe0a24f5f69208f8f9d1007fb  data-vis/data/stor/result-eval_model_baseline_methods.csv
            dd4f8a865940cf0c6c020fb2f9662e71894fac9ad7152dd2679c85fe7c4d4a8b  data-vis/data/stor/result-eval_model_stor-bnb2-20241022221515.csv
            568c9013bc8dfc63ec8ee3f28dfc13bea9e234866d8d55b4cbfe0bdcacf4f946  data-vis/data/stor/result-eval_model_stor_13b_awq-20241021074740.csv
            f65176772af13f17bd8deb8629ecc05d7eba8f12687b4164a177c6fd94c9435d  data-vis/data/stor/result-eval_model_stor_8bit-gptq-20241020062901.csv
            14d7700364b3f757f71a88ff5441fcc3552fddaaa511914e6a08fb07ed8b35c1  data-vis/data/stor/result-hqq-baseline2_stor-20241222221057.csv
            c66fb7168a09c3422269865a0043a599534e4938b5ddfe353568789671e9f430  data-vis/data/variant-sensi-Meta-Llama-3-8B.csv
            e9b2d09744b7bddb9f726f6f9d24d7e62529bf25cfe05f29ee2673adf4ba1c3c  data-vis/data/variant-sensi.csv
            1d82aeaddef3ba814b3b3401101e1a3d617c57627acda53ab1438540bf5771aa  data-vis/data/vit/combined.csv
            a41d205ca859ad66af1533308589778a4ef5ce26405d682613bac73a728520a1  data-vis/data/vit/result-eval_lp_BH_20_mxq-20240930032213.csv
            d6ff95dc4d736bbe21f7a3c0ae80a78af1fa8c50ee99325760fff89462a2b968  data-vis/data/vit/result-eval_lp_BH_b2_4-mxq-20241001220858.csv
            dbcf632d3e348ee25fe1853b8fb4dab558e4491868ae6537127cabfba586d291  data-vis/data/vit/result-eval_lp_BH_mxq-20240927193928.csv
            8aa9e18c7a49d597c3ba4f1dd7ceb033a53f1ce8c9e68d26dbd6e77785582706  data-vis/data/vit/result-eval_lp_BH_mxq-partial.csv
            8c0b42407a4196629c0385bbd92e48b8bbb9a6d24c659b3aa7546709ffcb3a9d  data-vis/data/vit/result-eval_lp_BLH_fp16-20240927145518.csv
            ba976868986c87286d9da9a771e1ea9d72515def4db4dfe8bf84a08091f7e19d  data-vis/data/vit/result-eval_lp_B_hqq-20240927013957.csv
            d01f7b8edf069bcfbdbdd8d6b0fa23dae47492adb25a180955b9c97e28cbe0ec  data-vis/data/vit/result-eval_lp_H_hqq-20240922062756.csv
            bb24a63227d7d5e06453a6031d44b42d55557d5a4562eee85a260ada5344e1df  data-vis/data/vit/result-eval_zeroshot_cls_fp16-20240919221324.csv
            168f314559e3383b62745cc6e5b1947276b587755bd3087c498f076eed45213d  data-vis/data/vit/result-eval_zs_BH_20_mxq-20240930160208.csv
            60469cd8fb04b426d3ed2fdf2cbc483b79a2f4ead22395b583b4fedc3d1ceb8d  data-vis/data/vit/result-eval_zs_BH_b2_4-mxq-20241001224316.csv
            322bc339b03a92d922125d179f1901f4b1fae6ec0ccd87640df3d825be6c3d25  data-vis/data/vit/result-eval_zs_BH_mxq-20240925105728.csv
            ba795070bdd2f88112c0283227dd893b58e377b263b61bd1a434b7ecd91c7f1c  data-vis/data/vit/result-eval_zs_B_hqq-20240924115024.csv
            b445c09ae4dd88c537310e1f570cece4e47e963082e36502f40ba6de37149631  data-vis/data/vit/result-eval_zs_H_hqq-20240922075536.csv
            98fd123d37371e43e18a9bd1812c46b306445eabfa9ca952848ed6c5c9e8445c  data-vis/data/vit/result-eval_zs_H_mxq_10_pct_range-20240926010705.csv
            5312bdf96b06df7e5f7ceee9d831639d19d385e3433a3930d5df7b507dfc9340  data-vis/data/vit/result-eval_zs_mxq_358_memory_saving2-20240921042139.csv
            aeeac82117fcf4e8f7c996a696e940abebb802752f9eb592e7c79c0a3e55b956  data-vis/data/vit/result-eval_zs_mxq_358_memory_saving5-20240924184239.csv
            29d6860f4fe72ae7a2a0bb031a39f5ef6d344eaf44621f6517d0ad1428f1dafb  data-vis/data/vit/result-eval_zs_mxq_comprehensive-20240920022203.csv
            60a8f6dbd48a06a25d0e951d5a88d717ea61dfadb0c0009ba0c41745ad14c32e  data-vis/data/wdist/wdist-CLIP-ViT-B-32-laion2B-s34B-b79K.csv
            641bd9d6a32a8f8f4b1107b393101cd49fa8a77baff2e7bf81b01a94d87b5b1f  data-vis/data/wdist/wdist-CLIP-ViT-H-14-laion2B-s32B-b79K.csv
            6ac240d15e1c79fc23958a63ee12a1aa8c52e097cb86fe2d029b88de441dc26b  data-vis/data/wdist/wdist-CLIP-ViT-L-14-laion2B-s32B-b82K.csv
            5804250a0ebce5472560c94bd2ee684181b34646f34c0b5ac585a8448a83de66  data-vis/data/wdist/wdist-Llama-2-13b-hf.csv
            4f8b639dbd8be3223605ebad0c555ef05d64208c4b6db27945b9086f53091731  data-vis/data/wdist/wdist-Llama-2-70b-hf.csv
            4f0643a5f0d260d5278dc51977f69560c722d9ce7e734e8379bec0b7df9d534a  data-vis/data/wdist/wdist-Llama-2-7b-hf.csv
            99ca23a57f530e8dab98e8608f487f365a9a683366873549aec5543f11b66ab4  data-vis/data/wdist/wdist-Meta-Llama-3-70B-Instruct.csv
            f319192d764ffdb1fb209c4faa4bd4f8438288ae1a1ed93dcc495f74ea243fe8  data-vis/data/wdist/wdist-Meta-Llama-3-70B.csv
            6f0e8862a207cdf95ffb6605731766f89353fec98406e92bf93b1c47c7ea7b56  data-vis/data/wdist/wdist-Meta-Llama-3-8B.csv
            3a8e10b0d9f941ba7620f83d31839fc7156d676fa3d7cc246d3166690f11cbba  data-vis/data/wdist/wdist-Meta-Llama-3.1-405B-Instruct.csv
            cc7bc174a8be9b9a373a3f289a2fb3f8de897118889a87bb5bfffad90913cdef  data-vis/endeavors/boost/data/combined.csv
            886b2e81e2a31977aeb52574b760c7ea2f7fdf58797d45cf3e438300a0fc7d5e  data-vis/endeavors/milp/data/combined.csv
            a7f179a45e2a6a1f971155bf213a88f7c2b16ebe98ad2b66db29e562fc6e1c37  src/data/fnorm-CLIP-ViT-B-32-laion2B-s34B-b79K.csv
            1e7679326716ffd8b62bfd0e06db2dfe777d5e3131606e30e7088021ac1bc3d2  src/data/fnorm-CLIP-ViT-H-14-laion2B-s32B-b79K.csv
            64b094635417f06abec628cbcb6943d2179325936b9fbbff1516d5f1bae6e600  src/data/fnorm-CLIP-ViT-L-14-laion2B-s32B-b82K.csv
            94236c401e752356054ecf30e850848f2e0be585e3b9a8154aa6f3e0d9e715ed  src/data/fnorm-Llama-2-13b-hf.csv
            93049007c74709e806713dc8214d4b975b2724129aac1e567619b3501b12e395  src/data/fnorm-Llama-2-70b-hf.csv
            48ea91a181a8e1db7c92bd77e428439c682eb4a242179fbb90f3d4285e1ec742  src/data/fnorm-Llama-2-7b-hf.csv
            9648cada7ca38ddd35809223f6dfde956ea9262822b06cde2ca80f7676be14bc  src/data/fnorm-Llama-3-70B.csv
            c9deeb7c2109153613e813a112ca3adf2361be1f779916c4851b75dac19dd832  src/data/fnorm-Llama-3.1-8B.csv
            e4425f052014a9ed622923a32e08fd67e096cd2011b4e82c63240ba0e7af66c0  src/data/fnorm-Meta-Llama-3-8B.csv
            3dcf50f7bf9e4c3c498296269598b72a81ea026ba576b0f4073aaf4b96fb8200  src/data/fnorm-Meta-Llama-3.1-405B-Instruct.csv
            9d8726b93e4eb310f29343055b656384c89aff20fc4ecb783d52bca55b877822  src/data/kurtosis-CLIP-ViT-B-32-laion2B-s34B-b79K.csv
            9cb9ba7425d0b119890dfed719bf451986db528a087c69db1b15ca487ae18f1a  src/data/kurtosis-CLIP-ViT-H-14-laion2B-s32B-b79K.csv
            87db3077532776f27e59a7e5fa93270300d8c70772c35ef8fababa56af798c29  src/data/kurtosis-CLIP-ViT-L-14-laion2B-s32B-b82K.csv
            5f7c470667cb9e40c8633431c995366a61aacf853313d28e2f24e424b226b58b  utils/dense.txt
            ffa67f1a72ab4fdf0327d550ffb2c8aa1226c090b5046d7ede4f73b5268ebf8c  utils/gen-ds-bos/topics-l1.txt
            """;

    private PaperData() {}

    /** The manifest as path to SHA-256 (hex), in order. */
    public static Map<String, String> manifest() {
        Map<String, String> m = new LinkedHashMap<>();
        MANIFEST.lines().map(String::strip).filter(l -> !l.isEmpty()).forEach(l -> {
            int sp = l.indexOf("  ");
            m.put(l.substring(sp + 2), l.substring(0, sp));
        });
        return m;
    }

    /** Problems of {@code dir} against the manifest: missing files and checksum mismatches (empty when all is well). */
    public static List<String> verify(Path dir) {
        List<String> problems = new ArrayList<>();
        for (var e : manifest().entrySet()) {
            Path f = dir.resolve(e.getKey());
            if (!Files.isRegularFile(f)) {
                problems.add("missing " + e.getKey());
            } else if (!sha256(f).equals(e.getValue())) {
                problems.add("checksum mismatch " + e.getKey());
            }
        }
        return problems;
    }

    /** Downloads the archive of {@link #COMMIT}, extracts the manifest's files into {@code out} and verifies them. */
    public static List<String> download(Path out) {
        HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(30)).build();
        HttpRequest req = HttpRequest.newBuilder(URI.create(URL)).timeout(Duration.ofMinutes(10)).build();
        try {
            HttpResponse<InputStream> resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
            if (resp.statusCode() != 200) {
                throw new UserException("download of " + URL + " failed: HTTP " + resp.statusCode());
            }
            try (InputStream in = resp.body()) {
                extract(in, out);
            }
        } catch (IOException e) {
            throw new UserException("download of " + URL + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserException("download interrupted");
        }
        return verify(out);
    }

    /**
     * Extracts the manifest's files from a gzipped tar archive (GitHub's layout: one top folder
     * {@code <repo>-<commit>/}) into {@code out}; returns the paths written.
     */
    public static List<String> extract(InputStream tarGz, Path out) throws IOException {
        Map<String, String> wanted = manifest();
        List<String> written = new ArrayList<>();
        try (InputStream in = new GZIPInputStream(tarGz, 1 << 16)) {
            byte[] header = new byte[512];
            String longName = null;
            while (readFully(in, header)) {
                if (header[0] == 0) {
                    break; // end-of-archive block
                }
                String name = longName != null ? longName : headerName(header);
                longName = null;
                long size = Long.parseLong(octal(header, 124, 12), 8);
                char type = (char) header[156];
                byte[] body = in.readNBytes((int) size);
                in.skipNBytes((512 - size % 512) % 512);
                if (type == 'L') {
                    longName = new String(body, StandardCharsets.UTF_8).replace("\0", "");
                    continue;
                }
                // drop the archive's top folder; keep only regular files of the manifest
                String rel = name.contains("/") ? name.substring(name.indexOf('/') + 1) : name;
                if ((type == '0' || type == 0) && wanted.containsKey(rel)) {
                    AtomicFiles.write(out.resolve(rel), tmp -> Files.write(tmp, body));
                    written.add(rel);
                }
            }
        }
        return written;
    }

    /** Hex SHA-256 of a file. */
    public static String sha256(Path file) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            try (InputStream in = Files.newInputStream(file)) {
                byte[] buf = new byte[1 << 16];
                for (int n; (n = in.read(buf)) > 0; ) {
                    md.update(buf, 0, n);
                }
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean readFully(InputStream in, byte[] block) throws IOException {
        return in.readNBytes(block, 0, block.length) == block.length;
    }

    // ustar: name at 0 (100 bytes), prefix at 345 (155 bytes)
    private static String headerName(byte[] h) {
        String name = cstring(h, 0, 100);
        String prefix = new String(h, 257, 5, StandardCharsets.US_ASCII).equals("ustar") ? cstring(h, 345, 155) : "";
        return prefix.isEmpty() ? name : prefix + "/" + name;
    }

    private static String octal(byte[] h, int off, int len) {
        String s = cstring(h, off, len).trim();
        return s.isEmpty() ? "0" : s;
    }

    private static String cstring(byte[] h, int off, int len) {
        int end = off;
        while (end < off + len && h[end] != 0) {
            end++;
        }
        return new String(h, off, end - off, StandardCharsets.UTF_8);
    }
}
